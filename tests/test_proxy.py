"""Two Daphne servers behind nginx from deploy/nginx.conf, started by contactcenter/cluster.py
(what `manage.py run_distributed` runs): a page, a static file and websockets through the proxy;
one server killed, its socket reconnects through the proxy to the other and gets its screen again.
And the template filled in passes `nginx -t`."""

import subprocess
import time
import urllib.request
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from contactcenter import cluster
from contactcenter.management.commands.fault_drill import REFRESH_MARK, Screen
from contactcenter.services.uploads import max_upload_bytes


@pytest.fixture
def proxy(needs_postgres, needs_redis, needs_nginx, tmp_path):
    static_root = tmp_path / "static"
    static_root.mkdir()
    (static_root / "probe.txt").write_text("served by nginx")
    group = cluster.Cluster(run_dir=tmp_path / "run", logs=tmp_path, env=cluster.process_env(
        DEBUG="1", SESSION_COOKIE_SECURE="0", MEDIA_ROOT=str(tmp_path / "media"),
        CHANNELS_PREFIX=f"cc-proxy-test-{uuid.uuid4().hex[:8]}"))
    port = cluster.free_port()
    try:
        group.start_servers(2)
        group.start_proxy(port=port, static_root=static_root, media_root=tmp_path / "media",
                          max_body_bytes=max_upload_bytes())
        yield group, port
    finally:
        group.stop()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_pages_and_sockets_go_through_nginx_and_a_killed_server_s_socket_reconnects_to_the_other(proxy, personas):
    group, port = proxy
    base = f"http://127.0.0.1:{port}"
    client = Client()
    client.force_login(personas.agent)
    session = client.cookies["sessionid"].value
    page = urllib.request.urlopen(urllib.request.Request(
        f"{base}/workspace/", headers={"Cookie": f"sessionid={session}"}), timeout=10)
    assert page.status == 200 and REFRESH_MARK in page.read().decode()
    assert urllib.request.urlopen(f"{base}/static/probe.txt", timeout=5).read() == b"served by nginx"
    assert urllib.request.urlopen(f"{base}/static/css/app.css", timeout=5).status == 200  # not collected: the app's

    # Two screens: least_conn puts them on different servers.
    screens = [Screen(f"ws://127.0.0.1:{port}/ws/workspace/", {"Cookie": f"sessionid={session}", "Origin": base})
               for _ in range(2)]
    try:
        for screen in screens:
            screen.start()
            assert screen.first_frame_after(0, REFRESH_MARK, timeout=15), "no screen through the proxy"
        killed = time.monotonic()
        group.servers()[0].kill()
        time.sleep(0.5)
        dropped = [screen for screen in screens if any(at > killed for at in screen.closes)]
        assert len(dropped) == 1
        back = dropped[0].first_frame_after(killed, REFRESH_MARK, timeout=5)
        assert back is not None and back - killed < 5, "the dropped screen did not come back within 5 s"
    finally:
        for screen in screens:
            screen.stop()


def test_the_repository_s_nginx_config_filled_in_is_valid_nginx(needs_nginx, tmp_path):
    config = tmp_path / "nginx.conf"
    config.write_text(cluster.nginx_config(port=8000, server_ports=[9001, 9002], run_dir=tmp_path,
                                           static_root=tmp_path / "static", media_root=tmp_path / "media",
                                           max_body_bytes=max_upload_bytes()))
    text = config.read_text()
    assert "{{" not in text
    assert "server 127.0.0.1:9001 max_fails=1 fail_timeout=5s;" in text and "least_conn;" in text
    assert f"client_max_body_size {max_upload_bytes() // 2**20 + 1}m;" in text
    checked = subprocess.run([cluster.nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(config)],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_without_nginx_the_distributed_run_says_how_to_install_it_and_starts_nothing(monkeypatch):
    monkeypatch.setattr(cluster, "nginx_binary", lambda: None)
    monkeypatch.setattr(cluster.Cluster, "spawn", lambda *args, **kwargs: pytest.fail("something was started"))
    with pytest.raises(CommandError, match=r"apt-get install -y nginx"):
        call_command("run_distributed")
