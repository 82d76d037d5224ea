"""Writes a snapshot fixture of the Peru page with N more activities (about 500
bytes each, so 10,000 make about 5 MB), for timing load_snapshot; prints its size in MB."""

import datetime
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
count, out = int(sys.argv[1]), Path(sys.argv[2])
records = json.loads((ROOT / "fixtures" / "peru-2021-01-19.json").read_text(encoding="utf-8"))
page = next(record for record in records if record["model"] == "activities.page")
page_key = [page["fields"]["slug"], page["fields"]["archived_on"]]
themes = [record["fields"]["slug"] for record in records if record["model"] == "activities.theme"]
partners = [record["fields"]["slug"] for record in records if record["model"] == "partners.partner"]
# Printed at the end of the "Past Activities" list, as tests.content.past_activities() places them.
agreements = next(r["fields"]["ordering"] for r in records if r["fields"].get("anchor") == "agreements")
place = max(r["fields"]["ordering"] for r in records
            if r["model"] == "activities.activity" and r["fields"]["ordering"] < agreements)
subjects = ["workshop", "webinar", "inspection", "training", "course", "visit", "study", "meeting", "pilot", "plan"]
for n in range(count):
    text = (
        f"A generated {subjects[n % 10]}, number {n}, held with [the agency](partner:{partners[n % len(partners)]}) "
        "on the enforcement of environmental laws."
    )
    records.append({
        "model": "activities.activity",
        "fields": {
            "status": "published", "provenance": "added", "provenance_note": "",
            "page": page_key, "region": "main", "ordering": place, "display": "bulleted", "date_prefix": True,
            "slug": f"generated-{n}", "title": "", "date": datetime.date(2001 + n % 20, 1 + n % 12, 1).isoformat(),
            "text": text, "themes": [[themes[n % len(themes)]], [themes[(n + 3) % len(themes)]]],
            "partners": [[partners[n % len(partners)]]], "printed_in": None, "publish_at": None,
        },
    })
out.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
print(f"{out.stat().st_size / 1e6:.1f}")
