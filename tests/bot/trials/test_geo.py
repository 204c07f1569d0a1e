"""Tests of offline geocoding (ZIP codes, US and world cities) and distances."""

from __future__ import annotations

import pytest

from bot.trials.geo import EARTH_RADIUS_MILES, Geocoder, distance_miles


@pytest.mark.parametrize(
    ("text", "name", "lat", "lon"),
    [
        ("02115", "Boston, MA 02115", 42.34, -71.09),
        ("94524-4110", "Concord, CA 94524", 37.98, -122.03),
        ("near 60637 please", "Chicago, IL 60637", 41.78, -87.61),
        ("Boston, MA", "Boston, MA", 42.36, -71.06),
        ("boston, massachusetts", "Boston, MA", 42.36, -71.06),
        ("Boston MA", "Boston, MA", 42.36, -71.06),
        ("Paris, TX", "Paris, TX", 33.66, -95.56),
        ("Duarte, CA", "Duarte, CA", 34.14, -117.98),
        ("Bethesda, Maryland", "Bethesda, MD", 38.98, -77.10),
        ("Washington, DC", "Washington, DC", 38.90, -77.04),
        ("New York", "New York City, NY", 40.71, -74.01),
        ("Houston", "Houston, TX", 29.76, -95.36),
        ("Toronto", "Toronto, Canada", 43.71, -79.40),
        ("Toronto, CA", "Toronto, Canada", 43.71, -79.40),
        ("London", "London, United Kingdom", 51.51, -0.13),
        ("London, UK", "London, United Kingdom", 51.51, -0.13),
        ("London, Ontario", "London, Canada", 42.98, -81.23),
        ("Paris, France", "Paris, France", 48.85, 2.35),
        ("München", "Munich, Germany", 48.14, 11.58),
        ("Sao Paulo", "São Paulo, Brazil", -23.55, -46.64),
        ("Seoul", "Seoul, South Korea", 37.57, 126.98),
        ("Bostn", "Boston, MA", 42.36, -71.06),
    ],
)
def test_locates_zip_codes_and_cities(geocoder: Geocoder, text: str, name: str, lat: float, lon: float) -> None:
    place = geocoder.locate(text)
    assert place is not None
    assert place.name == name
    assert (place.latitude, place.longitude) == pytest.approx((lat, lon), abs=0.02)


@pytest.mark.parametrize("text", ["", "   ", "99999", "Xyzzyville", "Boston, Narnia", "Georgia"])
def test_unknown_places_are_none(geocoder: Geocoder, text: str) -> None:
    assert geocoder.locate(text) is None


def test_distances_in_miles() -> None:
    boston, new_york = (42.3601, -71.0589), (40.7128, -74.0060)
    assert distance_miles(boston, new_york) == pytest.approx(190, abs=2)
    assert distance_miles(boston, boston) == 0.0
    assert abs(EARTH_RADIUS_MILES - 3958.76) < 0.01


@pytest.mark.parametrize(
    ("text", "expecting", "name"),
    [
        ("22f with breast cancer r there any trials near columbus oh", False, "Columbus, OH"),
        ("we're in annapolis maryland", False, "Annapolis, MD"),
        ("Southaven Mississippi, right by Memphis", False, "Southaven, MS"),
        ("fargo north dakota", False, "Fargo, ND"),
        ("Grand Rapids Michigan. Anything?", False, "Grand Rapids, MI"),
        ("34F, ovarian cancer, Sydney Australia", False, "Sydney, Australia"),
        ("Toronto Canada", True, "Toronto, Canada"),
        ("near Houston my moms place, we've been staying there", True, "Houston, TX"),
        ("u know any trials in cincy?", False, "Cincinnati, OH"),
        ("im in nyc", False, "New York City, NY"),
        ("i live in 38118", True, "Memphis, TN 38118"),
        ("Hi, I'm 57. I live in St. Louis.", False, "St. Louis, MO"),
        ("actually im in dayton not columbus, sorry", False, "Dayton, OH"),
        ("sorry i meant portland maine, not oregon", False, "Portland, ME"),
        ("melanoma detroit", False, "Detroit, MI"),
        ("sorry I meant Milwaukee, not Madison. thats where I get treated", False, "Milwaukee, WI"),
        ("not Nashville, we moved to Memphis", False, "Memphis, TN"),
        ("can you check Tucson instead of Phoenix", False, "Tucson, AZ"),
        ("she lives in pittsburgh pa, not with me in philly", False, "Pittsburgh, PA"),
        ("my son lives outside of Boston", False, "Boston, MA"),
        ("I'm 52, never smoked. I live in New Orleans. Can you tell me what's open?", False, "New Orleans, LA"),
        ("So I'm a 55 year old man and I was healthy. I live in Nashville. What's out there?", False, "Nashville, TN"),
        ("we live close to Boston", False, "Boston, MA"),
        ("He lives in Austin.", False, "Austin, TX"),
        (
            "I moved back home to Hilo last year. The big cancer center is in Honolulu, a flight away.",
            False,
            "Hilo, HI",
        ),
        ("We live in Mississauga. Any trials in Ontario, or over the border in Buffalo?", False, "Mississauga, Canada"),
        ("columbus oh and my son is 12", False, "Columbus, OH"),
    ],
)
def test_finds_the_place_a_message_names(geocoder: Geocoder, text: str, expecting: bool, name: str) -> None:
    found = geocoder.find(text, expecting)
    assert found is not None and found.place.name == name


@pytest.mark.parametrize(
    "text",
    [
        "diagnosed with neuroblastoma in March",  # a month, not March in England
        "i have bone cancer (osteosarcoma in my leg)",  # "bone" is another name of Annaba
        "my son Austin has leukemia",  # a first name without a cue
        "she is in remission",
        "I'm in Ohio",  # a state alone is too big to search around
        "is it free?",
        "we're out in the country, not close to much of anything",  # Much, Germany is a town
    ],
)
def test_words_that_are_not_places_are_not_found(geocoder: Geocoder, text: str) -> None:
    assert geocoder.find(text) is None


@pytest.mark.parametrize(
    ("text", "expecting", "name"),
    [
        ("LA", True, "Los Angeles, CA"),
        ("im 30 w lymphoma in la", False, "Los Angeles, CA"),
        ("L.A.", False, "Los Angeles, CA"),
        ("Baton Rouge, LA", False, "Baton Rouge, LA"),  # the state's abbreviation after a city is the state
        ("we live in Shreveport LA", True, "Shreveport, LA"),
    ],
)
def test_la_is_los_angeles_unless_it_is_louisianas_abbreviation(
    geocoder: Geocoder, text: str, expecting: bool, name: str
) -> None:
    found = geocoder.find(text, expecting)
    assert found is not None and found.place.name == name


def test_a_lower_case_la_without_a_cue_is_no_place(geocoder: Geocoder) -> None:
    assert geocoder.find("la verdad es que no se", False) is None


@pytest.mark.parametrize(
    "text",
    ["I don't even know what questions to ask.", "a 55 year old man", "that would be nice"],
)
def test_words_and_sentence_ends_are_not_towns_abroad(geocoder: Geocoder, text: str) -> None:
    assert geocoder.find(text) is None


@pytest.mark.parametrize(
    ("text", "expecting", "name"),
    [
        ("Fort Davis, TX, out in far west Texas", True, "Fort Davis, TX"),  # not West, TX
        ("we're in Pikeville in eastern Kentucky", False, "Pikeville, KY"),  # not Eastern, KY
        ("Marfa, in far west Texas", True, "Marfa, TX"),
        ("West, TX", True, "West, TX"),  # the town, written with its comma
    ],
)
def test_a_part_of_a_state_is_no_town(geocoder: Geocoder, text: str, expecting: bool, name: str) -> None:
    found = geocoder.find(text, expecting)
    assert found is not None and found.place.name == name


def test_a_question_in_lower_case_is_no_town_abroad_even_when_a_place_was_asked_for(geocoder: Geocoder) -> None:
    assert geocoder.find("any trials for young adults w this?", expecting=True) is None  # Young, Uruguay
    found = geocoder.find("young", expecting=True)  # the whole answer: the town it names
    assert found is not None and found.place.name == "Young, Uruguay"


def test_a_city_many_places_share_is_the_one_near_the_other_place_named(geocoder: Geocoder) -> None:
    found = geocoder.find("we moved to Brandon, a couple of hours west of Winnipeg")
    assert found is not None and found.place.name == "Brandon, Canada"  # not Brandon, Florida
    alone = geocoder.find("we moved to Brandon")
    assert alone is not None and alone.place.name == "Brandon, FL"  # the biggest, with nothing to go by


def test_a_corrected_city_is_the_one_near_the_place_given_before(geocoder: Geocoder) -> None:
    before = geocoder.locate("Winnipeg, Canada")
    found = geocoder.find("sorry, I'm actually in brandon", near=before)
    assert found is not None and found.place.name == "Brandon, Canada"
    far = geocoder.find("we moved to Portland", near=geocoder.locate("Houston, TX"))  # nothing near: the biggest
    assert far is not None and far.place.name == "Portland, OR"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("we in san antone, anything for him??", "San Antonio, TX"),
        ("live in htx", "Houston, TX"),
        ("near the big easy", "New Orleans, LA"),
        ("indy", "Indianapolis, IN"),
        ("bmore", "Baltimore, MD"),
    ],
)
def test_what_people_call_big_cities_is_found(geocoder: Geocoder, text: str, name: str) -> None:
    found = geocoder.find(text, expecting=False)
    assert found is not None and found.place.name == name
