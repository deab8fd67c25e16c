"""bench_realtime --servers N: N Daphne processes behind nginx (deploy/nginx.conf), started with
contactcenter/cluster.py as run_distributed starts them; the bench then drives every socket
through the proxy (as its --url option does for a server started elsewhere). They are stopped
when the bench's process exits."""

import atexit
import shutil
import tempfile
from pathlib import Path

from django.core.management.base import CommandError

from contactcenter import cluster
from contactcenter.services.uploads import max_upload_bytes

# The bench reads one server's memory. With several servers no single pid holds the sockets: this
# pid names no process, so the bench prints no memory figures (rather than nginx's, found from
# the port); `--servers 1` (or --idle without --servers) measures the memory per socket.
NO_SINGLE_SERVER = -1


def start_behind_proxy(out, servers: int) -> tuple[str, int]:
    """Start the servers and nginx; returns the proxy's URL and the pid whose memory to read."""
    if cluster.nginx_binary() is None:
        raise CommandError(cluster.INSTALL_NGINX)
    run_dir = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    group = cluster.Cluster(run_dir=run_dir, logs=run_dir,
                            env=cluster.process_env(DEBUG="1", SESSION_COOKIE_SECURE="0"))
    atexit.register(stop, group, run_dir)
    port = cluster.free_port()
    try:
        group.start_servers(servers)
        group.start_proxy(port=port, static_root=run_dir / "static", media_root=run_dir / "media",
                          max_body_bytes=max_upload_bytes())
    except RuntimeError as error:
        raise CommandError(f"{error} (logs in {run_dir})") from None
    pids = ", ".join(str(child.process.pid) for child in group.servers())
    out(f"proxy: nginx on port {port} (deploy/nginx.conf) in front of {servers} Daphne processes (pids {pids}); "
        f"logs in {run_dir}")
    pid = group.servers()[0].process.pid if servers == 1 else NO_SINGLE_SERVER
    return f"http://127.0.0.1:{port}", pid


def stop(group: cluster.Cluster, run_dir: Path) -> None:
    """Stop every process; keep the logs only if one shows an error."""
    logs = [child.log for child in group.children if child.log]
    group.stop()
    failed = [log.name for log in logs if log.exists() and "Traceback" in log.read_text(errors="replace")]
    if failed:
        print(f"proxy: tracebacks in {', '.join(failed)}; logs kept in {run_dir}")
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
