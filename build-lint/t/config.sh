# Written by configure: what the test suite needs to know about this build.
VP_HTTPD_BIN='/usr/sbin/apache2'
VP_ASAN_LIB=''
VP_APXS_LIBEXECDIR='/usr/lib/apache2/modules'
