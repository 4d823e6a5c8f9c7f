// Typed wrappers for libcurl's variadic calls, which Swift cannot make directly.
#ifndef RPT_CCURL_SHIM_H
#define RPT_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode rpt_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode rpt_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode rpt_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode rpt_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode rpt_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*rpt_curl_write_fn)(char *, size_t, size_t, void *);
static inline CURLcode rpt_curl_setopt_write(CURL *h, CURLoption o, rpt_curl_write_fn f) { return curl_easy_setopt(h, o, f); }
typedef size_t (*rpt_curl_header_fn)(char *, size_t, size_t, void *);
static inline CURLMcode rpt_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
// CURLMsg's result lives in a union that Swift reads awkwardly.
static inline CURLcode rpt_curl_msg_result(CURLMsg *m) { return m->data.result; }
static inline CURLcode rpt_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode rpt_curl_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }

#endif
