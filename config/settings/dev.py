"""Local development: SQLite, files on disk, tasks in-process, email to the console."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
