# A stand-in for Docker Hub's mariadb:10.11, from Debian's mariadb-server (10.11). It keeps
# the parts docker-compose.yml relies on: data in /var/lib/mysql, a root that may log in from
# the stack's network with MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, and healthcheck.sh --connect.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends mariadb-server mariadb-client \
    && rm -rf /var/lib/apt/lists/* /var/lib/mysql/* \
    && mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld /var/lib/mysql
COPY mariadb-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
COPY mariadb-healthcheck.sh /usr/local/bin/healthcheck.sh
VOLUME /var/lib/mysql
EXPOSE 3306
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["mariadbd"]
