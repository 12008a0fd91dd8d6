#!/bin/sh
# The official image's first start, for the one case the stack uses: an empty data directory
# is initialised with a root that has no password and may connect from any host, and only
# when MARIADB_ALLOW_EMPTY_ROOT_PASSWORD says so (the official image refuses otherwise too).
set -e
if [ "$1" != mariadbd ]; then exec "$@"; fi
shift
chown mysql:mysql /var/lib/mysql /run/mysqld
if [ ! -d /var/lib/mysql/mysql ]; then
    case ${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-} in
        1|yes|true) ;;
        *) echo "docker-entrypoint: the database is uninitialised and this stand-in knows only MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1" >&2
           exit 1 ;;
    esac
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db \
        --auth-root-authentication-method=normal >/dev/null
    mariadbd --user=mysql --bootstrap --skip-networking <<'SQL'
FLUSH PRIVILEGES;
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
fi
exec mariadbd --user=mysql --bind-address=0.0.0.0 "$@"
