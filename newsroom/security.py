"""Logins under django-axes: whose address a failure counts against, and the page a
locked-out login gets (settings AXES_CLIENT_IP_CALLABLE and AXES_LOCKOUT_CALLABLE)."""

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize


def client_address(request: HttpRequest) -> str | None:
    """The client's address, as far as this deployment can know it.

    Without a proxy in front, it is the connection's own (REMOTE_ADDR), and an
    X-Forwarded-For header is the client's claim, ignored. With BEHIND_PROXY=1 the proxy
    appends the address it saw to X-Forwarded-For: the last entry is the one it added
    (earlier entries came from the client and may be forged).
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login: the desk's look, in words, status 429."""
    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60) if cool_off else None
    context = {
        **admin.site.each_context(request),
        "title": "Login paused",
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off": f"{minutes} minute{pluralize(minutes)}" if minutes else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)
