#!/bin/sh
ssh -R 80:localhost:22 serveo.net
nc 2a0e:1c80:3::17 4444
cp libfoo-1.2.3.4.so /x; echo v1.2.3.4
curl https://[2a0e:1c80::1]:8443/up
