from sanwen.campaigns.models import Vehicle
from sanwen.core.access import Role


def test_a_bureau_administrator_edits_the_campaigns_rules_in_the_admin(client, world):
    """The rule inlines follow the access policy (administering the bureau), not Django's model
    permissions: the bureau's administrator sees and edits them; another bureau's does not."""
    vehicle = Vehicle.objects.filter(campaign=world.a.campaign).first()
    client.force_login(world.a.users[Role.ADMIN])
    page = client.get(f"/admin/campaigns/campaign/{world.a.campaign.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    # The name is edited in each language (simplified required, traditional and English beside it).
    assert vehicle.name in html and 'name="vehicle_set-0-name_zh_hans"' in html
    assert 'name="vehicle_set-0-name_en"' in html and 'name="vehicle_set-0-name_zh_hant"' in html
    client.force_login(world.b.users[Role.ADMIN])
    assert client.get(f"/admin/campaigns/campaign/{world.a.campaign.pk}/change/").status_code in (302, 404)
