"""C-ECHO with DCMTK's echoscu: a mapped caller is answered, anyone else is rejected at
association (A-ASSOCIATE-RJ), never later."""

import pytest

from tests.pacs.peers import echoscu

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_mapped_caller_is_answered(receiver, mapped):
    result = echoscu(receiver.port)
    assert result.returncode == 0, result.stderr


def test_an_unknown_caller_is_rejected_at_association(receiver, mapped):
    result = echoscu(receiver.port, calling="STRANGER")
    assert result.returncode != 0
    assert "Association Rejected" in result.stderr + result.stdout
    assert "Calling AE Title Not Recognized" in result.stderr + result.stdout


def test_an_inactive_caller_is_rejected_at_association(receiver, mapped):
    mapped.active = False
    mapped.save()
    result = echoscu(receiver.port)
    assert "Association Rejected" in result.stderr + result.stdout


def test_a_caller_of_a_deactivated_account_is_rejected(receiver, mapped, alice):
    alice.is_active = False
    alice.save()
    assert "Association Rejected" in echoscu(receiver.port).stderr


def test_with_no_caller_mapped_nobody_is_answered(receiver):
    assert "Association Rejected" in echoscu(receiver.port).stderr
