"""The API's refusals arrive as the right exception, with the server's code, reason and field."""
from __future__ import annotations

import pytest

from synthbus import AuthenticationError, Client, InvalidInputError, NotFoundError, Order

from conftest import Partner, Server, make_partner


@pytest.fixture(scope="module")
def revoked_key(server: Server, partner: Partner) -> str:
    with Client(server.url, api_key=partner.account_key) as account:
        issued = account.execute('mutation { issueApiKey(name: "to revoke", scopes: [ORDERS_READ]) { secret key { id } } }')["issueApiKey"]
        account.execute("mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }", {"id": issued["key"]["id"]})
    return str(issued["secret"])


def test_a_revoked_key_raises_authentication_error(server: Server, revoked_key: str, small_order: Order) -> None:
    with Client(server.url, api_key=revoked_key) as revoked:
        with pytest.raises(AuthenticationError) as http:
            revoked.order(small_order.id)
        assert http.value.code == "UNAUTHENTICATED"
        assert http.value.reason == "REVOKED_API_KEY"
        # over graphql-ws too, where the server can only close the connection
        with pytest.raises(AuthenticationError):
            next(revoked.follow(small_order.id))


def test_a_bad_mix_raises_invalid_input_naming_the_field(client: Client) -> None:
    with pytest.raises(InvalidInputError) as e:
        client.order(mix={3: 0.5, 4: 0.4}, size=10)
    assert (e.value.code, e.value.reason, e.value.field) == ("BAD_USER_INPUT", "MIX_SUM_NOT_ONE", "input.mix")
    with pytest.raises(InvalidInputError) as e:
        client.quote({3: 0.5, 9: 0.5}, 10)
    assert e.value.reason == "UNKNOWN_CATEGORY"
    assert e.value.field == "input.mix[1].birads"


def test_another_partners_order_is_not_found(server: Server, small_order: Order) -> None:
    other = make_partner(server, "Other Clinic")
    with Client(server.url, api_key=other.key) as c:
        with pytest.raises(NotFoundError) as read:
            c.order(small_order.id)
        assert read.value.reason == "ORDER_NOT_FOUND"
        with pytest.raises(NotFoundError):
            c.download_link(small_order.id)
        with pytest.raises(NotFoundError):
            next(c.follow(small_order.id))
