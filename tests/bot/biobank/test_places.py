"""Cancer centers geocode from the packaged geodata; nearest places come nearest first; sample-keeping studies."""

from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine

from bot.biobank.places import CENTERS_PATH, BiospecimenStudies, load_centers, nearest, nearest_studies
from bot.biobank.programmes import ProgrammeError
from bot.trials.geo import Geocoder
from bot.yaml_files import parse_yaml

GEOCODER = Geocoder()


@pytest.fixture(scope="module")
def centers():  # type: ignore[no-untyped-def]
    return load_centers(GEOCODER.locate)


def test_every_center_geocodes_inside_the_us(centers) -> None:  # type: ignore[no-untyped-def]
    listed = parse_yaml(CENTERS_PATH.read_text())["centers"]
    assert len(centers.centers) == len(listed) >= 70
    for center in centers.centers:
        assert 18 < center.latitude < 72 and -170 < center.longitude < -60, center
        assert center.website.startswith("https://")
    assert sum(c.sees_patients for c in centers.centers) >= 60
    assert centers.source.startswith("https://www.cancer.gov/")
    assert centers.about.source.startswith("https://www.cancer.gov/")


def test_a_center_that_cannot_be_placed_is_refused(tmp_path: Path) -> None:
    content = parse_yaml(CENTERS_PATH.read_text())
    content["centers"].append(
        {"name": "Nowhere", "city": "Xyzzyville", "state": "ZZ", "type": "patient care", "website": "https://x.org/"}
    )
    path = tmp_path / "centers.yml"
    path.write_text(yaml.safe_dump(content))
    with pytest.raises(ProgrammeError, match="Xyzzyville"):
        load_centers(GEOCODER.locate, path)


def _miles(found) -> list:  # type: ignore[no-untyped-def]
    return [n.miles for n in found]


def test_nearest_centers_come_nearest_first(centers) -> None:  # type: ignore[no-untyped-def]
    houston = GEOCODER.locate("77030")
    found = nearest((houston.latitude, houston.longitude), centers.centers, limit=5)
    assert _miles(found) == sorted(_miles(found))
    assert {n.place.city for n in found[:2]} == {"Houston"} and found[0].miles < 10
    assert found[2].miles > 100

    boston = GEOCODER.locate("Boston, MA")
    found = nearest((boston.latitude, boston.longitude), centers.centers, limit=3)
    assert found[0].place.name == "Dana-Farber/Harvard Cancer Center"


def test_laboratory_centers_are_never_offered_as_places_to_donate(centers) -> None:  # type: ignore[no-untyped-def]
    la_jolla = GEOCODER.locate("La Jolla, CA")
    patient_care = [c for c in centers.centers if c.sees_patients]
    found = nearest((la_jolla.latitude, la_jolla.longitude), patient_care, limit=3)
    assert found[0].place.name == "Moores Cancer Center (UC San Diego Health)"
    labs = {c.name for c in centers.centers if not c.sees_patients}
    assert len(labs) == 7 and "Salk Institute Cancer Center" in labs


def test_open_sites_of_sample_keeping_studies_come_from_the_trial_tables(snapshot_database_url) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(snapshot_database_url, future=True)
    sites = BiospecimenStudies(engine).open_sites()
    engine.dispose()
    studies = {s.nct_id for s in sites}
    # NCT03141021 keeps samples and is recruiting; NCT05520294 keeps samples but no longer recruits.
    assert "NCT03141021" in studies and "NCT05520294" not in studies
    boston = GEOCODER.locate("Boston, MA")
    [near] = nearest_studies((boston.latitude, boston.longitude), sites, limit=2, within=300)
    assert near.place.nct_id == "NCT03141021" and near.place.city == "Boston" and near.miles < 5
    assert "Dana Farber" in near.place.facility
    houston = GEOCODER.locate("77030")
    assert nearest_studies((houston.latitude, houston.longitude), sites, limit=2, within=300) == []
