"""Anonymous writes and partner keys are rate-limited: a script cannot flood the desk from one
address, mail one person from many, or spend a partner's key without end (issue 14)."""

from __future__ import annotations

import asyncio
import math
from ipaddress import ip_network

import httpx
import pytest

from shared.auth import Role
from shared.ratelimit import client_address
from shared.settings import Settings
from tests.intake.helpers import Limited, agent, from_address, issue, move, new_ticket
from tests.support import LoopbackReceiver, ticket_body

# The limits' counts are in memory on either backend: these run on the embedded one alone.
EMBEDDED = pytest.mark.parametrize("backend", ["embedded"])


def assert_too_many(response: httpx.Response, field: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    problem = response.json()
    assert f"Try again in {retry_after} seconds" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == [field]


async def test_a_script_filing_from_one_address_is_told_when_to_come_back(
    limited: Limited,
) -> None:
    async with limited(rate_limit_per_client="3/minute") as system:
        async with from_address(system, "198.51.100.7") as script:
            for n in range(3):
                answer = await script.post("/v1/tickets", json=ticket_body(f"c{n}@example.com"))
                assert answer.status_code == 201, answer.text
            refused = await script.post("/v1/tickets", json=ticket_body("c9@example.com"))
        assert_too_many(refused, "client")
        assert await system.count_rows("intake", "ticket") == 3  # the refused one left nothing
        async with from_address(system, "203.0.113.5") as someone_else:
            answer = await someone_else.post("/v1/tickets", json=ticket_body("c9@example.com"))
        assert answer.status_code == 201, answer.text


async def test_one_persons_address_cannot_be_mailed_from_many(limited: Limited) -> None:
    async with limited(rate_limit_per_customer="2/minute") as system:
        answers = []
        for n in range(4):
            async with from_address(system, f"198.51.100.{n + 1}") as client:
                body = ticket_body("Victim@Example.com" if n % 2 else "victim@example.com")
                answers.append(await client.post("/v1/tickets", json=body))
        assert [a.status_code for a in answers[:2]] == [201, 201]
        for refused in answers[2:]:
            assert_too_many(refused, "customer.email")
            [problem] = refused.json()["errors"]
            assert problem["reason"] == "more than 2 per minute for this email address"
        await system.wait_for_mail(2)
        assert len(system.mail()) == 2


ANONYMOUS_WRITES = [
    ("POST", "/v1/tickets/{id}/messages", {"body": "И ещё одно"}),
    ("POST", "/v1/tickets/{id}/escalation", {"reason": "Долго"}),
    ("POST", "/v1/tickets/{id}/rating", {"score": 5}),
    ("PUT", "/v1/tickets/{id}/consent", {"share_with_partners": True}),
    ("POST", "/v1/feedback", {"kind": "feedback", "text": "Спасибо"}),
    ("POST", "/v1/articles/{id}/votes", {"helpful": True}),
]


@EMBEDDED
async def test_every_anonymous_write_is_limited(limited: Limited) -> None:
    async with limited(rate_limit_per_client="1/minute") as system:
        created = await new_ticket(system)  # from the default test address
        token = {"Authorization": f"Bearer {created['access_token']}"}
        for n, (method, path, body) in enumerate(ANONYMOUS_WRITES):
            url = path.format(id=created["id"])
            async with from_address(system, f"198.51.100.{n + 1}") as script:
                first = await script.request(method, url, json=body, headers=token)
                second = await script.request(method, url, json=body, headers=token)
            assert first.status_code != 429, (path, first.text)  # its own answer, whatever
            assert_too_many(second, "client")


@EMBEDDED
async def test_the_beta_links_are_limited_too(limited: Limited) -> None:
    async with limited(rate_limit_per_client="2/minute") as system:
        async with from_address(system, "198.51.100.7", "notifier") as script:
            # The link's page only shows a button; pressing it (a POST) is the write.
            answers = [await script.post("/v1/beta/opt-in", params={"token": "x.y"}) for _ in "abc"]
        assert [a.status_code for a in answers[:2]] == [404, 404]
        assert_too_many(answers[2], "client")


@EMBEDDED
async def test_a_partner_key_has_its_quota_and_staff_none(limited: Limited) -> None:
    async with limited(
        rate_limit_per_partner="2/minute", rate_limit_per_client="1/minute"
    ) as system:
        _, partner = await issue(system, Role.partner)
        answers = [
            await system.intake.post(
                "/v1/tickets", json=ticket_body(f"p{n}@example.com"), headers=partner
            )
            for n in range(3)
        ]
        assert [a.status_code for a in answers[:2]] == [201, 201]
        assert_too_many(answers[2], "Authorization")
        staff = await agent(system)
        notes = [
            await system.intake.post(
                f"/v1/tickets/{answers[0].json()['id']}/messages",
                json={"body": f"Заметка {n}", "internal": True},
                headers=staff,
            )
            for n in range(3)
        ]
        assert [n.status_code for n in notes] == [201, 201, 201]


@EMBEDDED
async def test_behind_a_trusted_proxy_the_forwarded_client_counts(limited: Limited) -> None:
    async with limited(rate_limit_per_client="1/minute", trusted_proxies=("10.0.0.0/8",)) as system:
        async with from_address(system, "10.1.2.3") as proxy:

            async def file(forwarded_for: str, email: str) -> int:
                headers = {"X-Forwarded-For": forwarded_for}
                answer = await proxy.post("/v1/tickets", json=ticket_body(email), headers=headers)
                return answer.status_code

            assert await file("198.51.100.1", "a@example.com") == 201
            assert await file("198.51.100.2", "b@example.com") == 201
            # The client cannot pose as another by writing its own X-Forwarded-For first.
            assert await file("203.0.113.9, 198.51.100.1", "c@example.com") == 429
        async with from_address(system, "198.51.100.50") as direct:
            # Not one of our proxies: what it says it forwards is not believed.
            headers = {"X-Forwarded-For": "203.0.113.77"}
            statuses = [
                (await direct.post("/v1/tickets", json=ticket_body(e), headers=headers)).status_code
                for e in ("d@example.com", "e@example.com")
            ]
        assert statuses == [201, 429]


def test_the_client_address_is_the_first_one_no_proxy_of_ours_added() -> None:
    proxies = [ip_network("10.0.0.0/8"), ip_network("fd00::/8")]
    assert client_address("10.0.0.1", ["1.1.1.1, 2.2.2.2, 10.0.0.9"], proxies) == "2.2.2.2"
    assert client_address("10.0.0.1", ["1.1.1.1", "2.2.2.2"], proxies) == "2.2.2.2"
    assert client_address("10.0.0.1", [], proxies) == "10.0.0.1"
    assert client_address("5.5.5.5", ["1.1.1.1"], proxies) == "5.5.5.5"
    assert client_address("2001:db8:1:2:3::4", [], proxies) == "2001:db8:1:2::/64"
    assert client_address(None, [], []) == "unknown"


@EMBEDDED
async def test_with_the_shared_storage_down_the_desk_still_takes_requests(
    limited: Limited,
) -> None:
    async with limited(rate_limit_storage_url="redis://127.0.0.1:9") as system:
        answer = await system.intake.post("/v1/tickets", json=ticket_body())
    assert answer.status_code == 201, answer.text


@EMBEDDED
async def test_a_storage_that_never_answers_does_not_hold_requests(limited: Limited) -> None:
    # Takes the connection, says nothing.
    async with LoopbackReceiver(delay=math.inf) as silent:
        storage = f"redis://127.0.0.1:{silent.port}"
        async with limited(rate_limit_storage_url=storage) as system:
            async with asyncio.timeout(20):  # the storage is given about a second
                answers = [
                    await system.intake.post("/v1/tickets", json=ticket_body(f"s{n}@example.com"))
                    for n in range(3)
                ]
    assert [a.status_code for a in answers] == [201, 201, 201]


def test_a_bad_limit_or_proxy_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="not a rate limit"):
        Settings(rate_limit_per_client="lots")
    with pytest.raises(ValueError, match="not an address or network"):
        Settings(trusted_proxies="proxy.internal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="memory://"):
        Settings(rate_limit_storage_url="memcached://cache:11211")


@EMBEDDED
async def test_a_partners_answers_spend_its_quota(limited: Limited) -> None:
    async with limited(rate_limit_per_partner="2/minute") as system:
        partner_id, partner = await issue(system, Role.partner)
        staff = await agent(system)
        ticket = await new_ticket(system)
        handed = {"name": "PayCo", "reference": "PC-17", "partner_id": partner_id}
        answers = []
        for n in range(3):
            moved = await move(system, staff, ticket["id"], "waiting_partner", partner=handed)
            assert moved.status_code == 200, moved.text
            answers.append(
                await system.intake.post(
                    f"/v1/tickets/{ticket['id']}/messages",
                    json={"body": f"Ответ {n}"},
                    headers=partner,
                )
            )
        assert [a.status_code for a in answers[:2]] == [201, 201]
        assert_too_many(answers[2], "Authorization")
