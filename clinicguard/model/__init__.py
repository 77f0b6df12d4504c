"""The clinic's vocabulary: frozen dataclasses, enums and domain errors. No I/O; imports nothing of
the project beyond i18n."""
