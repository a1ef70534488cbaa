-- Run once by the postgres image when its data volume is new (deploy/compose.yml): the conversations
-- and the SMS store get a database of their own, so a backup of the registry (`navigator`) never holds
-- a conversation. Back up `navigator` (the registry, rebuilt by `providers import` in any case); the
-- STOP list in `conversations` must be kept across an upgrade, the conversations need no backup.
CREATE DATABASE conversations OWNER navigator;
