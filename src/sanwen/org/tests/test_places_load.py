import pytest
from django.core.exceptions import ValidationError

from sanwen.org.models import Place, PlaceLevel
from sanwen.org.services import places_load, places_load_zhongshan


def test_the_zhongshan_subset_loads_with_its_12_townships_and_gongan_villages(db):
    result = places_load_zhongshan()
    assert result["created"] == 31
    county = Place.objects.get(code="451122")
    assert county.name == "钟山县" and county.parent.code == "4511"
    townships = Place.objects.filter(parent=county, level=PlaceLevel.TOWNSHIP)
    assert townships.count() == 12
    assert set(townships.values_list("code", flat=True)) >= {"451122109", "451122200", "451122201"}
    gongan = Place.objects.get(code="451122109")
    assert gongan.name == "公安镇"
    villages = Place.objects.filter(parent=gongan, level=PlaceLevel.VILLAGE)
    assert [v.code for v in villages] == [f"451122109{n}" for n in range(201, 216)]
    renli = Place.objects.get(name="仁里村")
    assert renli.level == PlaceLevel.NATURAL_VILLAGE and renli.code is None and renli.parent == gongan


def test_loading_twice_adds_nothing_and_renames_changed_names(db):
    places_load_zhongshan()
    result = places_load(text="code,name,parent_code\n451122109201,公安社区,451122109\n")
    assert result == {"created": 0, "renamed": 1, "rows": 1}
    assert Place.objects.get(code="451122109201").name == "公安社区"
    assert places_load_zhongshan()["created"] == 0


def test_within_finds_a_countys_places_by_code_prefix(db):
    places_load_zhongshan()
    within = Place.objects.within("451122109")
    assert within.filter(name="仁里村").exists()
    assert not within.filter(code="451122100").exists()


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("code,name,parent_code\n4511221,钟山,4511\n", "区划代码"),
        ("code,name,parent_code\n451122109201,x,451122100\n", "开头"),
        ("code,name\n451122,钟山县\n", "三列"),
        ("code,name,parent_code\n451122,,4511\n", "名称"),
    ],
)
def test_a_bad_file_is_rejected_whole_with_the_reason(db, csv_text, message):
    with pytest.raises(ValidationError, match=message):
        places_load(text=csv_text)
    assert not Place.objects.exists()
