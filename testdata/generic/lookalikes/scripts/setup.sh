#!/bin/sh
read -s -p 'Password: ' PASSWORD
export PGPASSWORD="$PASSWORD"
sshpass -p "$SSH_PASS" ssh deploy@host
mysql -u root -p"$MYSQL_ROOT_PASSWORD" < init.sql
