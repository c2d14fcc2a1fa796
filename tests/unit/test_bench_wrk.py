"""bench.http reads plain wrk's own summary: throughput, latency, and the bytes read, which tell a round of
unchanged polls (a 304 of a few hundred bytes each) from one where the board changed (whole pages)."""
from bench.http import UNCHANGED_MAX_BYTES, plain_summary

POLLS = """Running 5s test @ http://127.0.0.1:40123/grids/B0500/board
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.41ms  412.10us   9.80ms   81.22%
    Req/Sec     1.66k    98.31     1.86k    70.00%
  Latency Distribution
     50%    2.30ms
     75%    2.55ms
     90%    2.84ms
     99%    3.40ms
  16504 requests in 5.00s, 3.94MB read
Requests/sec:   3300.80
Transfer/sec:    806.45KB
"""

PAGES = POLLS.replace("16504 requests in 5.00s, 3.94MB read", "8790 requests in 5.00s, 1.58GB read").replace(
    "     99%    3.40ms", "     99%    1.20s")


def test_the_summary_gives_throughput_latency_and_bytes_read():
    result = plain_summary(POLLS)
    assert result["requests"] == 16504 and result["seconds"] == 5.0
    assert round(result["rps"]) == 3301
    assert (result["p50_ms"], result["p90_ms"], result["p99_ms"]) == (2.3, 2.84, 3.4)
    assert result["read"] == 3.94 * 1024 ** 2


def test_a_round_that_fetched_whole_pages_is_told_from_one_of_unchanged_polls():
    polls, pages = plain_summary(POLLS), plain_summary(PAGES)
    assert polls["read"] / polls["requests"] <= UNCHANGED_MAX_BYTES
    assert pages["read"] / pages["requests"] > UNCHANGED_MAX_BYTES
    assert pages["p99_ms"] == 1200.0
