"""PyTorch peer of the pinned-memory GPU check, run by the check itself in the same session.

Usage: torch_peer.py SIZES_MIB SIZES_GIB   e.g. torch_peer.py 64,1024 1,8

Prints key=value lines (GB/s as 10^9 bytes per second, seconds for allocations):
  status=ok|skipped, reason=..., torch=..., device=...,
  h2d.pinned.<MiB>, h2d.pageable.<MiB>, d2h.pinned.<MiB>, d2h.pageable.<MiB>  (median GB/s, CUDA events)
  alloc.pinned.<GiB>  (seconds for torch.empty(n, dtype=torch.uint8, pin_memory=True): one block, not filled)
  alloc.pinned.zeroed.<GiB>  (seconds for torch.zeros(n, dtype=torch.uint8, pin_memory=True): one block, zero-filled,
                              like the library's buffers, which are zeroed before they are handed out)
  hostCacheEmptied=True|False  (whether the caching host allocator was emptied between allocations, so that each
                                one really allocated; False means the zeroed figure may be a cache hit)
"""
import statistics
import sys
import time


def out(key, value):
    print(f"{key}={value}", flush=True)


def main():
    sizes_mib = [int(s) for s in sys.argv[1].split(",")] if len(sys.argv) > 1 else [64, 1024]
    sizes_gib = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [1, 8]
    try:
        import torch
    except Exception as e:  # no torch in this interpreter: say so, exit 0
        out("status", "skipped")
        out("reason", f"no torch in {sys.executable}: {e}")
        return
    out("torch", torch.__version__)
    out("torchCuda", torch.version.cuda)
    if not torch.cuda.is_available():
        out("status", "skipped")
        out("reason", "torch.cuda.is_available() is False")
        return
    torch.zeros(1, device="cuda")
    out("device", torch.cuda.get_device_name(0))

    # First, in a fresh process, so that PyTorch's caching host allocator has no block to hand back; the cache is
    # emptied after each allocation, so the next one allocates too (same size: it would otherwise be a cache hit).
    empty_host_cache = getattr(torch._C, "_host_emptyCache", None)
    out("hostCacheEmptied", empty_host_cache is not None)
    for gib in sizes_gib:
        n = gib << 30
        for label, make in (("", torch.empty), (".zeroed", torch.zeros)):
            t0 = time.perf_counter()
            pinned = make(n, dtype=torch.uint8, pin_memory=True)
            t1 = time.perf_counter()
            out(f"alloc.pinned{label}.{gib}", round(t1 - t0, 4))
            out(f"alloc.pinned{label}.{gib}.isPinned", pinned.is_pinned())
            del pinned
            if empty_host_cache is not None:
                empty_host_cache()

    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)

    def median_gbps(copy, nbytes, copies):
        rates = []
        for i in range(copies + 2):
            start.record()
            copy()
            stop.record()
            stop.synchronize()
            if i >= 2:
                rates.append(nbytes / (start.elapsed_time(stop) * 1e6))
        return statistics.median(rates)

    for mib in sizes_mib:
        n = mib << 20
        copies = 6 if mib >= 512 else 20
        device = torch.empty(n, dtype=torch.uint8, device="cuda")
        for kind in ("pinned", "pageable"):
            host = torch.empty(n, dtype=torch.uint8, pin_memory=(kind == "pinned"))
            host.fill_(1)
            # host -> device the way data loaders write it; device -> host into the same host tensor
            out(f"h2d.{kind}.{mib}", round(median_gbps(lambda: host.to("cuda", non_blocking=True), n, copies), 3))
            out(f"d2h.{kind}.{mib}", round(median_gbps(lambda: host.copy_(device, non_blocking=True), n, copies), 3))
            del host
        del device
        torch.cuda.empty_cache()

    out("status", "ok")


if __name__ == "__main__":
    main()
