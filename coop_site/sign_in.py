"""Sign-in throttling (django-axes): failures count per (user name, address)
pair, so that one person's typos pause no one else, and per address with a
larger limit, so that an address trying many user names is paused too."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def client_address(request):
    return request.META.get("REMOTE_ADDR", "")


def address_failure_limit(request, credentials):
    """AXES_ADDRESS_FAILURE_LIMIT, or four times the pair's limit when unset."""
    return settings.AXES_ADDRESS_FAILURE_LIMIT or 4 * get_failure_limit(request, credentials)


class PairAndAddressHandler(AxesDatabaseHandler):
    """axes' database handler with a limit of its own for AXES_LOCKOUT_PARAMETERS'
    lone "ip_address" (the address's limit) beside the pair's AXES_FAILURE_LIMIT."""

    def get_failures(self, request, credentials=None):
        # axes pauses when this number reaches AXES_FAILURE_LIMIT, so each count
        # is given as that limit less the failures its own limit still allows.
        failure_limit = get_failure_limit(request, credentials)
        address_limit = address_failure_limit(request, credentials)
        limits = [
            address_limit if parameter in ("ip_address", ["ip_address"]) else failure_limit
            for parameter in get_lockout_parameters(request, credentials)
        ]
        counts = [
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        return max(failure_limit - (limit - count) for limit, count in zip(limits, counts, strict=True))

    def reset_user_attempts(self, request, credentials=None):
        """A success clears only that user name's failures from that address."""
        attempts = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address
        )
        return attempts.delete()[0]
