#!/bin/sh
# As the official image's entrypoint: redis-server runs as the redis user, without protected
# mode, in /data; any other command runs as given.
set -e
if [ "$1" = redis-server ]; then
    shift
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups redis-server --protected-mode no "$@"
fi
exec "$@"
