from sellers import regions


def test_provinces_cover_the_country():
    names = regions.provinces()
    assert len(names) == 34
    assert {"北京市", "广东省", "新疆维吾尔自治区", "香港特别行政区"} <= set(names)


def test_ordinary_province():
    assert "深圳市" in regions.cities("广东省")
    assert "南山区" in regions.districts("广东省", "深圳市")
    assert regions.is_valid("广东省", "深圳市", "南山区")


def test_municipality_is_its_own_city():
    assert regions.cities("上海市") == ["上海市"]
    assert "浦东新区" in regions.districts("上海市", "上海市")


def test_city_without_districts_offers_itself():
    assert regions.districts("广东省", "东莞市") == ["东莞市"]
    assert regions.districts("香港特别行政区", "香港特别行政区") == ["香港特别行政区"]


def test_mismatches_are_invalid():
    assert not regions.is_valid("广东省", "杭州市", "西湖区")
    assert not regions.is_valid("浙江省", "杭州市", "南山区")
    assert regions.cities("nowhere") == []
    assert regions.districts("广东省", "nowhere") == []
