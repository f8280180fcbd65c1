"""The text feature-spec language: parse_spec and FeatureSpec.load."""

import mdtraj as md
import numpy as np
import pytest

from trajlens import InputError
from trajlens.featurize import (
    FeatureSpec,
    backbone_dihedrals,
    coordination,
    featurize,
    parse_spec,
    radius_of_gyration,
    residue_min_distances,
    selection_pair_distances,
)

TEXT = """phi psi   # backbone
distances "name CA or name CH3"; contacts "resid 0" "resid 2" r0=0.5 switch=exp
rg 'not element H' name=rg_heavy; mindist "resid 0" "resid 2"
"""


def test_parse_spec_builds_the_same_features_as_the_builders(ala2):
    top = ala2.topology
    spec = parse_spec(TEXT, top)
    expected = (
        backbone_dihedrals(top)
        + selection_pair_distances(top, "name CA or name CH3")
        + coordination(top.select("resid 0"), top.select("resid 2"), "coord", r0=0.5, switch="exp")
        + radius_of_gyration(top.select("not element H"), "rg_heavy")
        + residue_min_distances(top, [(0, 2)])
    )
    assert spec == expected
    X = featurize(ala2[:50], spec)[0]
    np.testing.assert_allclose(
        X[:, -2], md.compute_rg(ala2[:50].atom_slice(top.select("not element H"))), atol=1e-5
    )


def test_parse_spec_options(ala2):
    top = ala2.topology
    spec = parse_spec('phi raw; contacts "element C"; contacts "element C" name=cc nn=8 mm=16', top)
    assert spec.labels == ["phi_ALA2", "coord", "cc"]
    assert spec[0].transform == "none"
    params = dict(spec[2].params)
    assert (params["nn"], params["mm"]) == (8, 16)
    assert spec[1].atoms[: params["n_a"]] == spec[1].atoms[params["n_a"] :]  # within one group
    assert parse_spec('angles "backbone"', top)[0].kind == "angle"
    assert parse_spec('inverse_distances "name N"', top).labels == ["invd_7_17"]


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("phi foo", "'foo'"),
        ('dist "name CA"', "'dist'"),
        ('contacts "all" r1=3', "'r1=3'"),
        ('contacts "all" r0=abc', "r0"),
        ('distances "name CA" "name N"', "'name N'"),
        ('rg "resname XYZ"', "'resname XYZ'"),
        ('distances "name ??"', "'name ??'"),
        ('rg "all', "cannot read"),
        ("omega", "no omega"),
        ("", "no features"),
    ],
)
def test_parse_spec_errors_name_the_bad_token(ala2, text, token):
    with pytest.raises(InputError, match="feature spec") as info:
        parse_spec(text, ala2.topology)
    assert token in str(info.value)


def test_load_accepts_json_and_text(tmp_path, ala2):
    top = ala2.topology
    spec = parse_spec(TEXT, top)
    spec.save(tmp_path / "spec.json")
    (tmp_path / "spec.txt").write_text(TEXT)
    assert FeatureSpec.load(tmp_path / "spec.json") == spec
    assert FeatureSpec.load(tmp_path / "spec.txt", top) == spec
    with pytest.raises(InputError, match="needs a topology"):
        FeatureSpec.load(tmp_path / "spec.txt")
    (tmp_path / "bad.txt").write_text("phi; wobble 3\n")
    with pytest.raises(InputError, match=r"bad\.txt: .*'wobble'"):
        FeatureSpec.load(tmp_path / "bad.txt", top)
