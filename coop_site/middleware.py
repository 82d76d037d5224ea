"""Site-wide middleware: the visitor's address behind the load balancer, the
headers Django has no setting for, and the page cache."""

import ipaddress

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils.http import split_directive_names, urlencode
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


class CompressedPagesMiddleware(GZipMiddleware):
    """Django's gzip, BREACH mitigation included, for pages (WhiteNoise sends
    static files compressed ahead of time). The page cache keeps one copy of a
    page per Accept-Encoding value; the header is reduced here to "gzip" or
    nothing, so a page has two copies at most, whatever browsers send."""

    def process_request(self, request):
        if "HTTP_ACCEPT_ENCODING" in request.META:
            if re_accepts_gzip.search(request.META["HTTP_ACCEPT_ENCODING"]):
                request.META["HTTP_ACCEPT_ENCODING"] = "gzip"
            else:
                del request.META["HTTP_ACCEPT_ENCODING"]


def reads_query(*names):
    """Marks a view (in a URLconf) as reading these query parameters: any other
    is redirected away by UnreadParametersMiddleware."""

    def mark(view):
        view.query_parameters = frozenset(names)
        return view

    return mark


class UnreadParametersMiddleware:
    """Before the page cache: a visitor's GET whose query string holds a
    parameter its view does not read (see ``reads_query``) is redirected
    (301) to the address without it. Each page then has one cache entry,
    whatever is appended to its address ("?utm_source=…", a fuzzer's noise).
    The admin reads its own parameters and is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.GET and request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            if "admin" not in match.app_names:
                read = getattr(match.func, "query_parameters", frozenset())
                kept = [(name, value) for name, values in request.GET.lists() if name in read for value in values]
                if len(kept) < len(request.GET):
                    return HttpResponsePermanentRedirect(
                        request.path + (f"?{urlencode(kept)}" if kept else ""))
        return self.get_response(request)


class UpdatePublicCacheMiddleware(UpdateCacheMiddleware):
    """First in MIDDLEWARE: stores anonymous visitors' pages for
    CACHE_MIDDLEWARE_SECONDS. Browsers, though, are told to check back each
    time (no-cache), which the ETag makes a cheap 304: a change is seen on the
    next request there too."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        directives = set(split_directive_names(response.get("Cache-Control", "")))
        if hasattr(request, "_cache_update_cache") and not directives & {"private", "no-store"}:
            response.headers["Cache-Control"] = "no-cache"
            response.headers.pop("Expires", None)
        if request.method == "HEAD" and not response.streaming and response.content:
            # A page from the cache still holds its body; a HEAD answer has none.
            length = len(response.content)
            response.content = b""
            response.headers["Content-Length"] = str(length)
        return response


class FetchPublicCacheMiddleware(FetchFromCacheMiddleware):
    """Right after WhiteNoise: answers anonymous visitors from the cache before
    any session, CSRF or authentication work. A request with a session cookie
    (signed-in staff, who may preview drafts) is never served from the cache
    nor stored in it."""

    def process_request(self, request):
        if (
            not settings.CACHE_MIDDLEWARE_SECONDS
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            request._cache_update_cache = False
            return None
        return super().process_request(request)
