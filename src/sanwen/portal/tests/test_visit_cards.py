"""Visit cards: A6, four to an A4 sheet, each with a QR code (SVG) to the portal carrying the staff
member's reference; who may print whose."""

import re

import segno

from sanwen.core.access import Role
from sanwen.org.services import staff_create


def cards_on(page):
    return re.findall(r'<section class="visit-card">.*?</section>', page, re.S)


def test_a_staff_member_prints_their_own_card_with_a_qr_code_to_the_portal(client, world, settings):
    settings.PORTAL_BASE_URL = "https://ycj.example.cn"
    staff = world.a.users[Role.STAFF]
    client.force_login(staff)
    page = client.get("/cards/").content.decode()
    cards = cards_on(page)
    assert len(cards) == 1 and staff.name in cards[0] and staff.card_code in cards[0]
    url = f"https://ycj.example.cn/p/card/{staff.card_code}/"
    assert segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2, dark="#000") in cards[0]
    assert "card-sheet" in page and "cards.css" in page
    # Others' cards cannot be chosen.
    other = world.a.users[Role.INSPECTOR]
    page = client.get("/cards/", {"staff": other.pk}).content.decode()
    assert other.name not in "".join(cards_on(page))
    assert client.get(f"/cards/{other.pk}/qr.svg").status_code == 404


def test_a_leader_prints_the_bureau_four_to_a_sheet(client, world):
    for i in range(5):
        staff_create(
            bureau=world.a.bureau,
            department=world.a.department,
            username=f"extra{i}",
            name=f"员工{i}",
            password="x" * 12,
            role=Role.STAFF,
            rank="staff",
        )
    client.force_login(world.a.users[Role.LEADER])
    page = client.get("/cards/", {"department": world.a.department.pk}).content.decode()
    sheets = page.count('class="card-sheet"')
    cards = cards_on(page)
    assert len(cards) == 10 and sheets == 3  # 10 active staff of the department, 4 per sheet
    assert world.b.users[Role.STAFF].name not in page
    response = client.get(f"/cards/{world.a.users[Role.STAFF].pk}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml" and b"<svg" in response.content


def test_mobile_numbers_can_be_left_off(client, world):
    staff = world.a.users[Role.STAFF]
    staff.phone = "13600001111"
    staff.save()
    client.force_login(staff)
    assert "13600001111" in client.get("/cards/").content.decode()
    assert "13600001111" not in client.get("/cards/", {"phone": "0"}).content.decode()


def test_the_card_of_someone_who_left_leads_nowhere(client, world):
    staff = world.a.users[Role.STAFF]
    staff.is_active = False
    staff.save()
    assert client.get(f"/p/card/{staff.card_code}/").status_code == 404
    assert client.get("/p/card/NOTACODE/").status_code == 404
