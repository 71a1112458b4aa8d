"""`mount_staff(app, settings)`: the staff admin at /admin and the reports at /reports.

Both share one login (a signed session cookie, see bot.staff.auth) and CSRF protection; the
resident chat elsewhere in the gateway needs neither and never gets the cookie.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette

from bot.geo.postcodes_io import PostcodeGeocoder
from bot.settings import Settings
from bot.staff.auth import StaffAuth


def mount_staff(
    app: Starlette,
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    upload_dir: Path | None = None,
    geocoder: PostcodeGeocoder | None = None,
) -> StaffAuth:
    """Add /admin and /reports to the gateway; returns the shared login state (for tests).

    `geocoder` (the gateway's one postcodes.io client, or None) places venues staff add.
    """
    from bot.admin.pages import UPLOAD_DIR, ImportPage
    from bot.admin.site import build_admin
    from bot.reports.views import build_reports

    auth = StaffAuth(settings, clock=clock)
    admin = build_admin(app, auth, settings, geocoder)
    for view in admin.views:
        if isinstance(view, ImportPage):
            type(view).upload_dir = upload_dir or UPLOAD_DIR
    app.mount("/reports", build_reports(auth, admin.templates, settings), name="reports")
    return auth
