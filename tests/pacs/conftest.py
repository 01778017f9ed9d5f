"""The PACS tests' fixtures: our receiver in a thread, with a transactional database so that its
threads see what the test wrote (and the test what they wrote), and a caller mapped to Alice."""

import pytest

from pacs.models import ApiToken, CallingAE
from tests.pacs.peers import MAPPED_AE, RunningReceiver


@pytest.fixture
def receiver(transactional_db):
    running = RunningReceiver()
    yield running
    running.stop()


@pytest.fixture
def mapped(alice):
    """Alice's CT workstation, allowed to send."""
    return CallingAE.objects.create(ae_title=MAPPED_AE, contributor=alice)


@pytest.fixture
def token(alice):
    """Alice's API token, as the admin showed it once."""
    made = ApiToken(contributor=alice, name="Orthanc in room 2")
    secret = made.issue()
    made.save()
    return secret
