"""Who and what the demo agencies hold: their teams, their clients and the words of their
history. The history itself is drawn from these by demo_history."""

from dataclasses import dataclass

DEMO_PASSWORD = "portal-demo-2026"


@dataclass(frozen=True)
class DemoClient:
    name: str
    domain: str  # its people's email domain
    people: list[tuple[str, str]]  # (full name, client role)
    topics: list[str]  # what its requests and deliverables are about
    requests: int  # over the months of history
    reply_hours: float = 4.0  # how long the team usually takes to answer them
    pays_late: bool = False
    quiet_days: int = 0  # days since its people last signed in
    staff_only: bool = False  # the limited staff member works on it


def client_email(client: "DemoClient", full_name: str) -> str:
    """A demo client person's address: their first name at their company's domain."""
    return f"{full_name.split()[0].lower()}@{client.domain}"


@dataclass(frozen=True)
class DemoAgency:
    subdomain: str
    name: str
    owner: tuple[str, str]  # (full name, email)
    team: list[tuple[str, str, str]]  # (full name, email, team role)
    clients: list[DemoClient]
    limited_staff: str  # the email of the staff member limited to some clients
    seed: int
    invoice_prefix: str
    day_rate: int
    currency: str = "EUR"


AGENCIES = [
    DemoAgency(
        subdomain="demo",
        name="Demo Agency",
        owner=("Olivia Owner", "owner@demo.example"),
        team=[
            ("Marcus Reed", "marcus@demo.example", "admin"),
            ("Priya Shah", "priya@demo.example", "staff"),
            ("Tom Becker", "tom@demo.example", "staff"),
            ("Lena Novak", "lena@demo.example", "staff"),
        ],
        limited_staff="tom@demo.example",
        clients=[
            DemoClient(
                "Northwind Bakery",
                "northwind.example",
                [
                    ("Hannah Brooks", "client_admin"),
                    ("Felix Wagner", "approver"),
                    ("Grace Liu", "finance"),
                    ("Omar Haddad", "viewer"),
                ],
                ["website content", "spring menu", "online shop", "newsletter", "opening hours"],
                requests=30,
                staff_only=True,
            ),
            DemoClient(
                "Bluebird Dental",
                "bluebird.example",
                [("Sofia Martins", "client_admin"), ("James Carter", "finance")],
                ["booking widget", "patient leaflet", "team photos", "price list"],
                requests=18,
                reply_hours=3.0,
            ),
            DemoClient(
                "Copperleaf Hotels",
                "copperleaf.example",
                [("Emma Schulz", "client_admin"), ("Lucas Petit", "approver")],
                ["room photos", "booking engine", "brochure", "summer campaign", "press kit"],
                requests=24,
                staff_only=True,
            ),
            DemoClient(
                "Driftwood Legal",
                "driftwood.example",
                [("Ava Thompson", "client_admin"), ("Noel Fischer", "finance")],
                ["privacy policy", "contact form", "partner profiles", "case studies"],
                requests=14,
                reply_hours=14.0,
                pays_late=True,
                quiet_days=41,
            ),
        ],
        seed=2026,
        invoice_prefix="DA",
        day_rate=640,
    ),
    DemoAgency(
        subdomain="northstar",
        name="Northstar Studio",
        owner=("Noah Sterling", "owner@northstar.example"),
        team=[
            ("Mia Jensen", "mia@northstar.example", "admin"),
            ("Ravi Kumar", "ravi@northstar.example", "staff"),
            ("Chloé Dubois", "chloe@northstar.example", "staff"),
        ],
        limited_staff="chloe@northstar.example",
        clients=[
            DemoClient(
                "Evergreen Outfitters",
                "evergreen.example",
                [
                    ("Jonas Berg", "client_admin"),
                    ("Ines Costa", "approver"),
                    ("Femi Adeyemi", "finance"),
                ],
                ["product feed", "lookbook", "checkout", "loyalty programme", "store locator"],
                requests=26,
                staff_only=True,
            ),
            DemoClient(
                "Foxglove Analytics",
                "foxglove.example",
                [("Greta Lindqvist", "client_admin"), ("Dev Patel", "viewer")],
                ["dashboard design", "onboarding emails", "webinar slides", "case study"],
                requests=18,
                reply_hours=6.0,
            ),
            DemoClient(
                "Granite Logistics",
                "granite.example",
                [("Hugo Moreau", "client_admin"), ("Eva Varga", "finance")],
                ["tracking page", "careers page", "annual report", "trade show booth"],
                requests=14,
                reply_hours=12.0,
                pays_late=True,
                quiet_days=23,
            ),
        ],
        seed=4711,
        invoice_prefix="NS",
        day_rate=720,
        currency="GBP",
    ),
]

REQUEST_TITLES = [
    "Update the {topic}",
    "The {topic} is broken on mobile",
    "New {topic} for the launch",
    "Please review the {topic}",
    "Typo in the {topic}",
    "Quote for the {topic}",
    "The {topic} loads slowly",
    "Translate the {topic} into German",
    "Questions about the {topic}",
    "Change the colours of the {topic}",
]
REQUEST_DETAILS = [
    "We noticed that the {topic} still shows last year's details. Could you update it?",
    "Our customers have been asking about the {topic} since Monday.",
    "The {topic} looks fine on desktop, but on phones the text overlaps the images.",
    "Attached are the notes from our call about the {topic}. Let us know what it costs.",
    "This is blocking our campaign, so it is fairly urgent for us.",
]
TEAM_REPLIES = [
    "Thanks, we're on it. You'll have a first draft of the {topic} by Thursday.",
    "Done: the new {topic} is live. Could you check it looks right on your side?",
    "We need the final copy for the {topic} before we can go on.",
    "Good catch. The {topic} is fixed; it was a caching problem.",
    "Here is our plan for the {topic}; we start as soon as you confirm.",
]
CLIENT_REPLIES = [
    "Looks great, thank you!",
    "Not quite: the {topic} still shows the old version for me.",
    "Here is the copy you asked for.",
    "Could we move the logo a bit further up?",
]
NOTES = [
    "Check with design before changing the {topic}.",
    "Billable: add to this month's hours.",
    "They are on the old hosting plan; this may need an upgrade.",
]
WAITING_REPLIES = [
    "Could you send us the final texts for the {topic}?",
    "Which of the two versions of the {topic} do you prefer?",
]
MESSAGES_FROM_TEAM = [
    "Quick update: the {topic} is on track for next week.",
    "We've shared the latest drafts in your documents.",
    "Could we have a call on Thursday about the {topic}?",
    "Reminder: we still need your feedback on the {topic}.",
]
MESSAGES_FROM_CLIENTS = [
    "Thanks for the update!",
    "Thursday works for us, 10:00?",
    "We'll send the feedback by Friday.",
    "Our board loved the {topic}.",
]
INTERNAL_MESSAGES = [
    "Heads-up: they asked for a discount on the next invoice.",
    "Let's keep the {topic} within the agreed hours this month.",
]
MILESTONES = [
    ("Discovery workshop", "Goals, audiences and a plan, agreed together."),
    ("Design concepts", "Two directions to choose from."),
    ("{topic} build", "Building what we designed, page by page."),
    ("Content and review", "Your texts and images in place, checked by you."),
    ("Launch", "Live, with a week of close watch afterwards."),
]
INVOICE_LINES = ["Design and build", "Project management", "Hosting and maintenance"]
APPROVAL_COMMENTS = ["Looks great.", "Approved, thank you.", ""]
CHANGES_COMMENTS = [
    "The logo is too small on the first page.",
    "Please use our new brand colours.",
]
