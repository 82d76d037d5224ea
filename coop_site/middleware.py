"""Site-wide middleware: the visitor's address behind the load balancer, the
health checks, and the headers Django has no setting for. (The page cache's
own middleware is core.middleware.)"""

import ipaddress

from django.conf import settings
from django.utils.module_loading import import_string


class PermissionsPolicyMiddleware:
    """Turns off browser features the site never uses."""

    POLICY = ", ".join(
        f"{feature}=()"
        for feature in ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
                        "payment", "usb")
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.POLICY)
        return response


class HealthCheckMiddleware:
    """Answers a load balancer's health checks (/healthz, /healthz/live)
    before anything reads the Host header: balancers often send an
    instance's IP address, which ALLOWED_HOSTS rightly refuses for every
    other page."""

    CHECKS = {"/healthz": "coop_site.views.healthz", "/healthz/live": "coop_site.views.live"}

    def __init__(self, get_response):
        self.get_response = get_response
        self.checks = {path: import_string(view) for path, view in self.CHECKS.items()}

    def __call__(self, request):
        check = self.checks.get(request.path_info)
        return check(request) if check else self.get_response(request)


def forwarded_address(entry):
    """An X-Forwarded-For entry's address; some balancers add the port:
    "198.51.100.1:4711", "[2001:db8::1]:4711"."""
    entry = entry.strip()
    if entry.startswith("[") and "]" in entry:
        entry = entry[1:entry.index("]")]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    return ipaddress.ip_address(entry)


class ClientAddressMiddleware:
    """Behind the load balancer, REMOTE_ADDR is the balancer's address. When
    the request comes from a trusted proxy (FORWARDED_ALLOW_IPS, as gunicorn
    reads it, or nginx on gunicorn's Unix socket), the visitor's address is the
    last one in X-Forwarded-For that is not a trusted proxy's: the ones before
    it are whatever the visitor sent. Everything after this (sign-in
    throttling, the contact form's limit) then counts visitors, not the
    balancer or nginx."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.any_peer = "*" in settings.TRUSTED_PROXIES
        self.proxies = [ipaddress.ip_network(network, strict=False)
                        for network in settings.TRUSTED_PROXIES if network != "*"]

    def is_proxy(self, address):
        return any(address in network for network in self.proxies)

    def __call__(self, request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and self.from_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for entry in reversed(forwarded.split(",")):
                try:
                    address = forwarded_address(entry)
                except ValueError:
                    break  # not an address: keep the proxy's rather than guess
                if not self.is_proxy(address):
                    request.META["REMOTE_ADDR"] = str(address)
                    break
        return self.get_response(request)

    def from_trusted_proxy(self, peer):
        if not peer:
            # gunicorn on a Unix socket gives no address: the peer is nginx on
            # this host, the only one that reaches the socket (gunicorn, too,
            # believes its X-Forwarded-Proto).
            return True
        try:
            return self.any_peer or self.is_proxy(ipaddress.ip_address(peer))
        except ValueError:
            return False
