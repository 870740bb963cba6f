"""`reward-server` start-up messages."""

from __future__ import annotations

from reward_server import cli


def test_serve_without_the_server_extra_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(cli, "SERVER_MODULES", ("sympy", "no_such_module_for_this_test"))
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line, no traceback
    assert "missing no_such_module_for_this_test" in err
    assert "pip install 'reward-server[server]'" in err


def test_options_need_no_server_extra(monkeypatch, capsys):
    monkeypatch.setattr(cli, "SERVER_MODULES", ("no_such_module_for_this_test",))
    assert cli.main(["options"]) == 0
    assert "--ready-file" in capsys.readouterr().out
