"""The marketplace (M1–M5, H4, W1–W2) and learning content (O5), on the bundled sample listings."""

from __future__ import annotations

from pathlib import Path

import pytest

import connected_apps as ca
from conftest import at, snapshot

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "data" / "marketplace.json"


@pytest.fixture(scope="module")
def market() -> ca.Marketplace:
    return ca.Marketplace.from_json(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def engine_with_listed_apps() -> ca.Engine:
    apps = [
        ca.App("aircall", "Aircall", "Aircall", level="account_level", distribution="marketplace",
               workflow_actions=[{"id": "aircall.0", "name": "Create a call task"}]),
        ca.App("docusign", "DocuSign", "DocuSign", level="account_level", distribution="marketplace"),
    ]
    users = [ca.User("admin", "Ada", "ada@acme.test", super_admin=True), ca.User("bob", "Bob", "bob@acme.test")]
    return ca.Engine(ca.Account("1", "Acme"), users=users, apps=apps)


def test_listings_and_search(market: ca.Marketplace) -> None:
    assert len(market) == len(market.listings()) > 50
    aircall = market.listing("aircall")
    assert aircall is not None and aircall.provider == "Aircall" and aircall.certified
    assert aircall.details["workflow_actions"] == [{"id": "aircall.0", "name": "Create a call task"}]
    assert "Sales" in market.categories() and market.collections() and market.features()
    results = market.search("calendar")
    assert results.total >= len(results) > 0 and all(isinstance(h, ca.SearchHit) for h in results.hits)
    assert "calendar" in results.hits[0].name.lower()
    free = market.search(categories=["Sales"], pricing=[ca.PricingFilter.FREE], limit=100)
    # Exactly the certified Sales listings with a plan that costs nothing, by their plans' prices.
    def costs_nothing(plan: dict) -> bool:
        return not plan.get("monthly") and not plan.get("annual_monthly")

    expected = {
        l.app
        for l in market.listings()
        if l.certified and "Sales" in l.categories and any(costs_nothing(p) for p in l.details["pricing"])
    }
    assert expected and {h.app for h in free.hits} == expected and free.total == len(expected)
    # Uncertified apps are never listed (M5); French listings first for a French account (M4).
    assert "beta-scraper" not in {h.app for h in market.search(limit=1000).hits}
    assert market.search("événements", language="fr").hits[0].language_match


def test_search_errors(market: ca.Marketplace) -> None:
    with pytest.raises(ca.InvalidInputError, match='unknown category "No such category"'):
        market.search(categories=["No such category"])
    with pytest.raises(ValueError, match="unknown pricing filter"):
        market.search(pricing=["gratis"])


def test_verdicts_recommendations_and_workflows(market: ca.Marketplace, engine_with_listed_apps: ca.Engine) -> None:
    engine = engine_with_listed_apps
    verdict = market.install_verdict(engine, "docusign", "bob")
    assert not verdict.can_install_now and verdict.permission == {"permission": "request", "admins": ["admin"]}
    assert verdict.upgrades == [{"hub": "sales", "tier": "professional", "from": "free"}]
    assert market.install_verdict(engine, "aircall", "admin").can_install_now
    with pytest.raises(ca.NotFoundError):
        market.install_verdict(engine, "aircall", "ghost")

    outcome = market.connect_from_workflow(engine, "aircall", "admin", at(0))
    assert isinstance(outcome, ca.Applied)
    [group] = engine.workflow_actions(at(1))
    assert (group.app, group.app_name, group.actions) == ("aircall", "Aircall", [{"id": "aircall.0", "name": "Create a call task"}])
    recommendations = market.recommendations(engine, limit=5)
    assert 0 < len(recommendations) <= 5 and "aircall" not in {r.app for r in recommendations}
    hits = market.workflow_search(engine, "bob", "call")
    assert hits and all(h.hit.app == h.verdict.app for h in hits)

    before = snapshot(engine)
    with pytest.raises(ca.InvalidInputError, match="offers no workflow actions"):
        market.connect_from_workflow(engine, "calendly", "admin", at(2))
    assert snapshot(engine) == before


def test_invalid_listings_are_refused() -> None:
    with pytest.raises(ca.InvalidInputError):
        ca.Marketplace([{"app": "x"}])


def test_learning_library() -> None:
    items = [
        {"title": "Calls 101", "link": "https://l/1", "kind": "video", "apps": ["aircall"], "language": "en"},
        {"title": "Ventes", "link": "https://l/2", "kind": "article", "categories": ["Sales"], "language": "fr",
         "topics": ["connection_health"]},
    ]
    library = ca.LearningLibrary(items)
    assert [i.title for i in library.items()] == ["Calls 101", "Ventes"]
    assert [i.title for i in library.for_app("aircall", ["Sales"], "en")] == ["Calls 101", "Ventes"]
    sections = library.for_insights("fr")
    assert sections and sections[0].items[0].language == "fr"
    with pytest.raises(ca.InvalidInputError, match="empty link"):
        ca.LearningLibrary([{**items[0], "link": ""}])
