"""A throwaway PostgreSQL cluster for scripts (soak_pg.py, bench_pg.py): initdb into a temporary
directory, the server on a Unix socket in that directory only (no TCP), stopped and removed at the
end. As root, initdb and the server run as the `postgres` user (initdb refuses root), like
pg_virtualenv. Never a system service."""
import glob, os, pwd, shutil, subprocess, tempfile


def find_bindir():
    if os.environ.get("PARTNERKIT_PG_BINDIR"):
        return os.environ["PARTNERKIT_PG_BINDIR"]
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    path = shutil.which("initdb")
    if path:
        return os.path.dirname(path)
    raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql-15)")


class Cluster:
    def __init__(self, fsync=True, max_connections=100, options=""):
        self.bindir = find_bindir()
        self.dir = tempfile.mkdtemp(prefix="partnerkit-pg-")
        self.data = os.path.join(self.dir, "data")
        self.prefix = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        os.chmod(self.dir, 0o700)
        self.fsync = fsync
        self.max_connections = max_connections
        self.options = options  # more `-c name=value` for the server
        self._run([self.bindir + "/initdb", "-D", self.data, "-U", "partnerkit", "-A", "trust", "-E", "UTF8",
                   "--no-instructions"] + ([] if fsync else ["--no-sync"]))
        self.start()

    def _run(self, cmd):
        r = subprocess.run(self.prefix + cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise SystemExit("failed: " + " ".join(cmd) + "\n" + r.stdout)
        return r.stdout

    def start(self):
        opts = f"-k {self.dir} -c listen_addresses='' -c max_connections={self.max_connections}"
        if not self.fsync:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        if self.options:
            opts += " " + self.options
        self._run([self.bindir + "/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w",
                   "-t", "60", "-o", opts, "start"])

    def stop(self, mode="fast"):
        self._run([self.bindir + "/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])

    def restart_immediate(self):
        self.stop("immediate")
        self.start()

    def url(self, db="postgres"):
        return "postgresql://partnerkit@" + self.dir.replace("/", "%2F") + "/" + db

    def psql(self, sql, db="postgres"):
        r = subprocess.run([self.bindir + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            f"host={self.dir} user=partnerkit dbname={db}", "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("psql: " + r.stdout)
        return r.stdout.strip()

    def close(self):
        try:
            self.stop("immediate")
        except SystemExit:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
