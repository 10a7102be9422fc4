"""Celery tasks of the orders app, one module per topic (autodiscovery imports this)."""

from .checkout import *  # noqa: F401,F403
from .isv import *  # noqa: F401,F403
from .lifecycle import *  # noqa: F401,F403
