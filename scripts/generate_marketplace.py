#!/usr/bin/env python3
"""Writes examples/data/marketplace.json: the bundled sample marketplace (M1).

Deterministic (no randomness, no clock): run `python3 scripts/generate_marketplace.py` from the
repository root and commit the result. Listings cover the apps of examples/data/sample_account.json
(so the example shows "already connected" verdicts) plus others in several categories and
languages; some need subscription upgrades, a few are not certified (never searchable, M5).
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "data" / "marketplace.json"

# id, name, provider, tagline, categories, features, languages, requirements, workflow actions
APPS = [
    ("aircall", "Aircall", "Aircall", "Cloud phone system for sales and support teams", ["Sales", "Customer service"], ["Calling", "Timeline events", "Workflow actions"], ["en", "fr", "de", "es"], [], ["Create a call task"]),
    ("calendly", "Calendly", "Calendly", "Schedule meetings without the back-and-forth emails", ["Sales", "Productivity"], ["Meeting scheduling", "Timeline events"], ["en", "fr", "de", "es", "pt"], [], []),
    ("docusign", "DocuSign", "DocuSign", "Send and sign agreements from deals", ["Sales", "Productivity"], ["E-signature", "Workflow actions"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [("sales", "professional")], ["Send envelope"]),
    ("eventbrite", "Eventbrite", "Eventbrite", "Sync event attendees and registrations to contacts", ["Events & webinars", "Marketing"], ["Two-way sync", "Timeline events"], ["en", "es"], [], []),
    ("facebook-ads", "Facebook Ads", "Meta", "Create audiences and track ad conversions", ["Advertising", "Social media"], ["Reporting", "Audiences"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("gmail", "Gmail", "HubSpot", "Log and track emails from your inbox", ["Productivity", "Sales"], ["Email tracking"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("google-calendar", "Google Calendar", "HubSpot", "Book meetings and sync events with your calendar", ["Productivity"], ["Meeting scheduling"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("google-drive", "Google Drive", "HubSpot", "Attach documents from Drive to records", ["Productivity"], ["File sharing"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("instagram", "Instagram", "Meta", "Publish and monitor posts from social tools", ["Social media", "Marketing"], ["Social publishing", "Reporting"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("intercom", "Intercom", "Intercom", "Live chat conversations become tickets and contacts", ["Customer service", "Communication"], ["Live chat", "Two-way sync", "Workflow actions"], ["en"], [], ["Send an Intercom message"]),
    ("jira", "Jira", "Atlassian", "Create Jira issues from tickets and track their status", ["Customer service", "Productivity"], ["Two-way sync", "Workflow actions"], ["en", "fr", "de", "ja"], [("service", "professional")], ["Create a Jira issue", "Update issue status"]),
    ("linkedin-ads", "LinkedIn Ads", "LinkedIn", "Target B2B audiences and attribute revenue", ["Advertising", "Social media"], ["Audiences", "Reporting"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [("marketing", "professional")], []),
    ("mailchimp", "Mailchimp", "Intuit Mailchimp", "Sync contacts and lists for email campaigns", ["Marketing", "Email"], ["Two-way sync", "Lists"], ["en", "fr", "de", "es", "it", "pt"], [], []),
    ("microsoft-teams", "Microsoft Teams", "HubSpot", "Get notifications and share records in Teams", ["Communication", "Productivity"], ["Notifications", "Workflow actions"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], ["Send a Teams notification"]),
    ("office365-calendar", "Office 365 Calendar", "HubSpot", "Book meetings and sync events with Outlook calendars", ["Productivity"], ["Meeting scheduling"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("outlook", "Outlook", "HubSpot", "Log and track emails from Outlook", ["Productivity", "Sales"], ["Email tracking"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("quickbooks", "QuickBooks Online", "Intuit", "Create invoices and sync customers and payments", ["Finance", "Accounting"], ["Invoices", "Two-way sync", "Workflow actions"], ["en", "fr"], [], ["Create an invoice"]),
    ("salesforce", "Salesforce", "HubSpot", "Two-way sync of contacts, companies and deals with Salesforce", ["Sales", "CRM & data sync"], ["Two-way sync", "Custom objects"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [("marketing", "professional")], []),
    ("shopify", "Shopify", "HubSpot", "Sync products, orders and customers from your store", ["E-commerce"], ["Orders", "Two-way sync"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("slack", "Slack", "HubSpot", "Get notifications and create tasks in Slack", ["Communication", "Productivity"], ["Notifications", "Workflow actions"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], ["Send a Slack notification", "Create a Slack task"]),
    ("stripe", "Stripe", "HubSpot", "Collect payments and sync transactions", ["Finance", "E-commerce"], ["Payments"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("typeform", "Typeform", "Typeform", "Turn form responses into contacts", ["Marketing", "Forms & surveys"], ["Forms", "Timeline events"], ["en", "es"], [], []),
    ("zapier", "Zapier", "Zapier", "Connect thousands of apps with automated zaps", ["Productivity", "CRM & data sync"], ["Automation", "Workflow actions"], ["en", "fr", "de", "es", "pt"], [], ["Trigger a zap"]),
    ("zendesk", "Zendesk", "Zendesk", "Sync tickets and customer conversations", ["Customer service"], ["Two-way sync", "Timeline events"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("zoom", "Zoom", "Zoom Video Communications", "Webinar registrants and meeting recordings on contacts", ["Events & webinars", "Communication"], ["Timeline events", "Meeting scheduling"], ["en", "fr", "de", "es", "ja"], [], []),
    # Not installed in the sample account.
    ("asana", "Asana", "Asana", "Create projects and tasks when deals close", ["Productivity", "Project management"], ["Workflow actions", "Two-way sync"], ["en", "fr", "de", "es", "ja", "pt"], [], ["Create an Asana task"]),
    ("trello", "Trello", "Atlassian", "Attach boards and cards to records", ["Productivity", "Project management"], ["Cards"], ["en", "fr", "de", "es", "ja"], [], []),
    ("monday", "monday.com", "monday.com", "Work management boards synced with deals", ["Project management", "Productivity"], ["Two-way sync", "Workflow actions"], ["en", "fr", "de", "es", "ja", "pt"], [("operations", "professional")], ["Create a monday item"]),
    ("xero", "Xero", "Xero", "Accounting: invoices, quotes and payment status on deals", ["Finance", "Accounting"], ["Invoices", "Workflow actions"], ["en"], [], ["Create a Xero invoice"]),
    ("pandadoc", "PandaDoc", "PandaDoc", "Proposals, quotes and e-signature in one place", ["Sales", "Productivity"], ["E-signature", "Quotes"], ["en", "fr", "de", "es", "nl", "pt"], [("sales", "starter")], []),
    ("gong", "Gong", "Gong.io", "Revenue intelligence from recorded sales calls", ["Sales", "Analytics"], ["Call recording", "Timeline events"], ["en"], [("sales", "enterprise")], []),
    ("loom", "Loom", "Loom", "Record video messages and track views", ["Sales", "Communication"], ["Video", "Timeline events"], ["en"], [], []),
    ("surveymonkey", "SurveyMonkey", "Momentive", "Send surveys and store responses on contacts", ["Forms & surveys", "Customer service"], ["Forms", "Workflow actions"], ["en", "fr", "de", "es", "it", "nl", "pt"], [], ["Send a survey"]),
    ("hotjar", "Hotjar", "Hotjar", "Heatmaps and feedback on your pages", ["Analytics", "Marketing"], ["Reporting"], ["en"], [], []),
    ("google-ads", "Google Ads", "HubSpot", "Track ad spend and conversions", ["Advertising", "Marketing"], ["Audiences", "Reporting"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("wordpress", "WordPress", "HubSpot", "Forms, live chat and analytics on your WordPress site", ["Content", "Marketing"], ["Forms", "Live chat"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("woocommerce", "WooCommerce", "MakeWebBetter", "Sync orders and abandoned carts", ["E-commerce"], ["Orders", "Abandoned carts"], ["en"], [("marketing", "starter")], []),
    ("snowflake", "Snowflake", "HubSpot", "Share CRM data with your data warehouse", ["Analytics", "CRM & data sync"], ["Data sharing"], ["en", "ja"], [("operations", "enterprise")], []),
    ("power-bi", "Power BI", "Microsoft", "Dashboards on CRM data", ["Analytics"], ["Reporting"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [("operations", "professional")], []),
    ("ringcentral", "RingCentral", "RingCentral", "Call, text and log conversations", ["Sales", "Communication"], ["Calling", "SMS"], ["en", "fr", "de"], [], []),
    ("twilio", "Twilio SMS", "Twilio", "Send SMS from workflows", ["Communication", "Marketing"], ["SMS", "Workflow actions"], ["en"], [("marketing", "professional")], ["Send an SMS"]),
    ("whatsapp", "WhatsApp", "HubSpot", "Chat with customers on WhatsApp from the inbox", ["Communication", "Customer service"], ["Live chat"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [("service", "professional")], []),
    ("linkedin-sales-navigator", "LinkedIn Sales Navigator", "LinkedIn", "Prospect insights on contact and company records", ["Sales"], ["Prospecting"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [("sales", "professional")], []),
    ("vidyard", "Vidyard", "Vidyard", "Video hosting with viewer analytics", ["Marketing", "Sales"], ["Video", "Timeline events"], ["en"], [], []),
    ("gotowebinar", "GoTo Webinar", "GoTo", "Webinar registrants and attendance on contacts", ["Events & webinars"], ["Timeline events"], ["en", "fr", "de", "es"], [], []),
    ("freshdesk", "Freshdesk", "Freshworks", "Helpdesk tickets synced with contacts", ["Customer service"], ["Two-way sync"], ["en", "fr", "de", "es", "pt"], [], []),
    ("pipedrive-import", "Pipedrive Import", "Trujay", "Migrate data from Pipedrive", ["CRM & data sync"], ["Data migration"], ["en"], [], []),
    ("dropbox", "Dropbox", "Dropbox", "Share files from Dropbox in emails and records", ["Productivity"], ["File sharing"], ["en", "fr", "de", "es", "it", "ja", "nl", "pt"], [], []),
    ("aircall-insights", "Aircall Insights", "Aircall", "Conversation intelligence for calls", ["Sales", "Analytics"], ["Call recording"], ["en", "fr"], [("sales", "enterprise")], []),
    # Local-language listings (M4).
    ("rendez-vous-pro", "Rendez-vous Pro", "Agenda Éclair SAS", "Prise de rendez-vous en ligne et rappels par SMS", ["Productivity", "Sales"], ["Meeting scheduling", "SMS"], ["fr"], [], []),
    ("evenements-plus", "Événements Plus", "Billetterie Générale", "Billetterie et inscriptions aux événements synchronisées", ["Events & webinars", "Marketing"], ["Two-way sync"], ["fr", "en"], [], []),
    ("facture-express", "Facturé Express", "Compta Futée", "Facturation et relances de paiement depuis les transactions", ["Finance", "Accounting"], ["Invoices", "Workflow actions"], ["fr"], [("sales", "professional")], ["Créer une facture"]),
    ("buro-kalender", "Büro Kalender", "Terminwerk GmbH", "Termine und Besprechungen automatisch planen", ["Productivity"], ["Meeting scheduling"], ["de"], [], []),
    ("rechnung-direkt", "Rechnung Direkt", "Zahlfix AG", "Rechnungen und Zahlungsstatus für Deals", ["Finance", "Accounting"], ["Invoices"], ["de", "en"], [("operations", "starter")], []),
    ("ventas-agil", "Ventas Ágil", "Soluciones Ñandú", "Gestión de ventas y seguimiento de oportunidades", ["Sales"], ["Pipeline", "Workflow actions"], ["es"], [], ["Crear tarea de seguimiento"]),
    ("atencion-360", "Atención 360", "Soporte Ibérico", "Atención al cliente omnicanal con tickets", ["Customer service"], ["Live chat", "Two-way sync"], ["es", "pt"], [("service", "professional")], []),
    ("gestao-de-vendas", "Gestão de Vendas", "Vendas Brasil Ltda", "Gestão de vendas e comissões", ["Sales", "Finance"], ["Pipeline"], ["pt"], [], []),
    ("eigyo-assist", "営業アシスト", "Tokyo SaaS KK", "営業活動の記録と商談管理", ["Sales"], ["Pipeline"], ["ja"], [], []),
    ("klantenservice-hub", "Klantenservice Hub", "Helpdesk Nederland BV", "Klantvragen als tickets met twee-weg synchronisatie", ["Customer service"], ["Two-way sync"], ["nl"], [], []),
    ("cassa-facile", "Cassa Facile", "Pagamenti Italiani Srl", "Pagamenti e fatture elettroniche per le trattative", ["Finance", "E-commerce"], ["Payments", "Invoices"], ["it"], [], []),
    # Not certified: never searchable nor recommended (M5), still connectable off-marketplace.
    ("beta-scraper", "Beta Lead Scraper", "Growth Hackers Inc", "Scrape leads from websites", ["Sales"], ["Prospecting"], ["en"], [], []),
    ("legacy-sync", "Legacy CSV Sync", "Old Tools Ltd", "Nightly CSV imports into contacts", ["CRM & data sync"], ["Data migration"], ["en"], [], []),
]

VENDOR_COLLECTION = "Built by the vendor platform"
OBJECTS = ["contacts", "companies", "deals", "tickets", "products", "line_items"]
DIRECTIONS = ["two_way", "into_crm", "out_of_crm"]


def pricing(i, name):
    """Four pricing patterns in rotation: free, freemium with trial, paid with trial, paid."""
    pattern = i % 4
    if pattern == 0:
        return [{"name": "Free", "currency": "USD", "monthly": 0.0}]
    if pattern == 1:
        return [
            {"name": "Free", "currency": "USD", "monthly": 0.0},
            {"name": "Pro", "currency": "USD", "monthly": float(12 + i), "annual_monthly": float(10 + i), "free_trial_days": 14},
        ]
    if pattern == 2:
        return [
            {"name": "Team", "currency": "EUR", "monthly": float(29 + i), "annual_monthly": float(24 + i), "free_trial_days": 30},
            {"name": "Business", "currency": "EUR", "annual_monthly": float(79 + i)},
        ]
    return [{"name": "Standard", "currency": "USD", "monthly": float(49 + 2 * i), "annual_monthly": float(41 + 2 * i)}]


def listing(i, app):
    app_id, name, provider, tagline, categories, features, languages, requires, actions = app
    vendor = provider == "HubSpot"
    certified = app_id not in ("beta-scraper", "legacy-sync")
    collections = []
    if vendor:
        collections.append(VENDOR_COLLECTION)
    if i % 5 == 0:
        collections.append("Staff picks")
    if i % 7 == 3:
        collections.append("New & noteworthy")
    plans = pricing(i, name)
    if all((p.get("monthly") or 0) == 0 and (p.get("annual_monthly") or 0) == 0 for p in plans):
        collections.append("Free apps")
    slug = app_id
    return {
        "app": app_id,
        "name": name,
        "provider": provider,
        "tagline": tagline,
        "description": f"{name} by {provider}. {tagline}.",
        "total_installs": (len(APPS) - i) * 1_000 + (i * 7919) % 997,
        "categories": categories,
        "collections": collections,
        "features": features,
        "requirements": {
            "subscriptions": [{"hub": hub, "tier": tier} for hub, tier in requires],
            **({"app_requirements": f"An active {name} account"} if not vendor else {}),
        },
        "resources": {
            "documentation": f"https://docs.example.com/{slug}",
            "setup_guide": f"https://docs.example.com/{slug}/setup",
            "provider_contact": f"support@{slug}.example.com",
            "supported_by": "vendor_platform" if vendor else "provider",
        },
        "data_privacy": {
            "platform_policy_applies": vendor,
            **({} if vendor else {"provider_policy": f"https://{slug}.example.com/privacy"}),
        },
        "pricing": plans,
        "shared_data": [
            {"object": OBJECTS[(i + k) % len(OBJECTS)], "direction": DIRECTIONS[(i + k) % len(DIRECTIONS)]}
            for k in range(1 + i % 3)
        ],
        "languages": languages,
        "certified": certified,
        "workflow_actions": [
            {"id": f"{slug}.{k}", "name": action} for k, action in enumerate(actions)
        ],
    }


def main():
    listings = [listing(i, app) for i, app in enumerate(APPS)]
    OUT.write_text(json.dumps(listings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(listings)} listings to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
