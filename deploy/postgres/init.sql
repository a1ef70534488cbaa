-- Run once by the postgres image when its data volume is new (deploy/compose.yml): the SMS store and
-- the conversations each get a database of their own beside the registry (`navigator`). Back up
-- `sms` (the STOP list) and, optionally, `navigator` (`providers import` rebuilds it); never back up
-- `conversations`, which the assistant promises to delete after 24 hours (docs/deploy.md).
CREATE DATABASE sms OWNER navigator;
CREATE DATABASE conversations OWNER navigator;
