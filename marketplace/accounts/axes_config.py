"""django-axes's app, under a name of ours (apart from apps.py, where a second AppConfig
would stop Django picking AccountsConfig by itself)."""

import axes.apps
from django.utils.translation import gettext_lazy as _


class AxesConfig(axes.apps.AppConfig):
    """django-axes (log-in throttling, see settings), named in the operators' language in
    the admin: the package's own name, "Axes", would be English on a Chinese page."""

    verbose_name = _("Log-in throttling")
