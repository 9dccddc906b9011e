"""Password hashes: scrypt, salted, checked in constant time; weak passwords refused."""

from __future__ import annotations

from gonghui.shared.passwords import hash_password, new_password, password_problem, verify_password


def test_a_password_checks_against_its_own_hash_only() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$") and "correct" not in stored
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterz", stored)
    assert hash_password("correct horse battery") != stored  # a fresh salt each time


def test_a_damaged_hash_never_matches() -> None:
    assert not verify_password("anything", "scrypt$broken")
    assert not verify_password("anything", "bcrypt$1$2$3$c2FsdA==$aGFzaA==")


def test_weak_passwords_are_refused_with_the_reason() -> None:
    assert "password_too_short" in (password_problem("short") or "")
    assert "password_contains_account" in (password_problem("rep-0042-home", sub="rep-0042") or "")
    assert "password_too_simple" in (password_problem("aaaaaaaaaaaa") or "")
    assert password_problem(new_password()) is None
