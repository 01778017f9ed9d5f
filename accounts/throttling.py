"""Failed logins, counted by django-axes on both login forms (settings: AXES_*, README: Logins).

Axes holds every lockout parameter to one limit. This handler holds a username at one address to
AXES_FAILURE_LIMIT and the address as a whole, across usernames, to the larger
LOGIN_ADDRESS_FAILURE_LIMIT: a department's people often share one address, and one of them
mistyping a password must not lock out the others, while guessing at many accounts from one
address still stops. It reads AXES_LOCKOUT_PARAMETERS in its order: the pair, then the address.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def _failures(attempts):
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginThrottle(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None):
        """Failures to hold against AXES_FAILURE_LIMIT: the pair's, or the limit itself once the
        address has reached its own."""
        pair, address = map(_failures, self.get_user_attempts(request, credentials))
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request, credentials=None):
        """A login forgives its own username's failures at this address; axes would also forget
        the address's failures on every other username."""
        pair = self.filter_user_attempts(request, credentials)[0]
        return pair.delete()[0]
