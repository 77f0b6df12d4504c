"""ClinicGuard: an offline compliance tool for French clinics and practices."""

__version__ = "0.1.0"
