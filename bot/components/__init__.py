"""Custom Rasa components of the navigator: entity extraction and the crisis override."""
