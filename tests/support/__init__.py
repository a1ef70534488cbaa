"""Helpers the test tiers share that are not fixtures: fake agents and clients, constants, signed
requests, throwaway servers (`services`). Fixtures live in the conftest.py files; test modules
import from here, never from each other."""
