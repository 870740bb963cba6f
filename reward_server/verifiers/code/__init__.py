"""Code sandbox: warm hardened containers that run candidate programs; the judge stays out.

Modules, one job each:
  config.py         SandboxConfig (limits, pool sizes, runtime), validated and frozen
  runtimes.py       in_sandbox/<lang>/runtime.json -> Runtime (languages as data)
  images.py         content-hashed image tags; offline build on a debootstrapped base
  build.py          `python -m reward_server.verifiers.code.build`: build missing images
  container.py      create/connect/destroy one hardened container; supervisor protocol
  owners.py         the labels saying which server owns a container; reaping orphans
  pool.py           warm containers per language, FIFO check-out, background replacement
  session.py        judge one completion in one container (compile, tests, reset)
  verdicts.py       pass/fail from plain data (output compare, value compare, run reports)
  assert_judge.py   the process that runs AssertTests code against proxies (the judge)
  assert_calls.py   a proxy call's data: arguments, exceptions, arguments changed in place
  assert_predict.py the calls a test will make, known before it runs (one round trip)
  assert_lookahead.py the calls a test decides at run time, from a forked copy of the judge
  assert_judge_start.py the judge process's arguments, memory limit and uid
  assert_judges.py  the pool of assert_judge processes
  extract.py        the code block to judge
  verifier.py       CodeVerifier, the public entry
  start.py          the registry's factory: a CodeVerifier when the server runs --code
In-container side (in_sandbox/): common/supervisor.py (PID 1: the op loop),
common/processes.py (candidate processes, dropped to their own uid), common/cleanup.py
(the verified reset), common/zygote.py (the warm interpreter), python/harness.py,
python/valuecodec.py (the only wire format for values).
"""
