#!/bin/sh
set -e
mysqldump -u backup -pWy5M31gTBb*1 --all-databases | gzip > /backups/all.sql.gz
