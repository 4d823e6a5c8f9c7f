// The C side of the Lua host. Lua raises errors with longjmp, and a longjmp across a Swift
// frame is undefined behaviour, so every call that can raise lives here: opening libraries,
// protected calls with limits, the limit hook, the allocator and the trampoline through which
// Lua calls Swift. Swift only uses Lua API calls that cannot raise (with the memory cap off).
#ifndef RPT_CLUA_SHIM_H
#define RPT_CLUA_SHIM_H
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"

// An error raised outside every protected call would make Lua abort(). The host never lets that
// happen on purpose; if it does, say so and exit instead of dumping core.
static int rpt_panic(lua_State *L) {
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
    fprintf(stderr, "rpt: internal error: a Lua error escaped the sandbox (%s); "
                    "this is a bug in rpt, please report it\n", msg);
    fflush(stderr);
    _exit(70);
    return 0;
}

static inline lua_State *rpt_newstate(rpt_limits *lim) {
    memset(lim, 0, sizeof *lim);
    lua_State *L = lua_newstate(rpt_alloc, lim);
    lim->L = L;
    if (L) lua_atpanic(L, rpt_panic);
    return L;
}

// Message handler for host calls: the message plus a traceback, built with the cap off.
// The error object's __tostring is not called: that would run pack code here.
static int rpt_msgh(lua_State *L) {
    rpt_limits_of(L)->cap_on = 0;
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

// Calls the function below `nargs` arguments under the limits. Returns a LUA_* status; on
// error the message (with traceback) is on top. A call the hook killed is an error even if
// the script swallowed every error and returned. `memory` is growth allowed over what the state
// holds now, never past `total` for the whole state (so garbage left by earlier calls does not
// raise the cap: the emergency collection on a refused allocation frees it instead).
static inline int rpt_pcall(lua_State *L, int nargs, int nresults,
                            long long instructions, double seconds, size_t memory, size_t total) {
    rpt_limits *lim = rpt_limits_of(L);
    lim->calls++;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, rpt_msgh);
    lua_insert(L, base);
    rpt_budget(L, instructions, seconds);
    lim->cap = lim->used + memory;
    if (total && lim->cap > total) lim->cap = total;
    lim->step = RPT_HOOK_STEP;
    lua_sethook(L, rpt_hook, LUA_MASKCOUNT, RPT_HOOK_STEP);
    double grace = seconds > 5 ? seconds : 5;  // twice the time limit, at least 5 s more
    __atomic_store_n(&lim->overdue_ns, (long long)((lim->deadline + grace) * 1e9), __ATOMIC_RELAXED);
    lim->cap_on = 1;
    int status = lua_pcall(L, nargs, nresults, base);
    lim->cap_on = 0;
    __atomic_store_n(&lim->overdue_ns, 0, __ATOMIC_RELAXED);
    lua_sethook(L, NULL, 0, 0);
    lua_remove(L, base);
    if (lim->killed && status == LUA_OK) {
        lua_settop(L, base - 1);
        lua_pushstring(L, rpt_killed_message(lim->killed));
        status = LUA_ERRRUN;
    }
    return status;
}

static inline int rpt_killed(lua_State *L) { return rpt_limits_of(L)->killed; }
static int rpt_call_number_k(lua_State *L) {
    lua_pushinteger(L, rpt_limits_of(L)->calls);
    return 1;
}
static inline void rpt_push_call_number(lua_State *L) { lua_pushcfunction(L, rpt_call_number_k); }

// Replaces the value on top with a deep, raw copy (tables only; the array marker metatable is
// kept), so each hook gets its own example. Raises only when out of memory with the cap off.
static void rpt_copy_top(lua_State *L) {
    if (lua_type(L, -1) != LUA_TTABLE || !lua_checkstack(L, 6)) return;
    int src = lua_gettop(L);
    int n = 0, len = (int)lua_rawlen(L, src);
    lua_pushnil(L);
    while (lua_next(L, src) != 0) { n++; lua_pop(L, 1); }
    lua_createtable(L, len, n > len ? n - len : 0);   // sized once: growing rehashes each time
    lua_pushnil(L);
    while (lua_next(L, src) != 0) {            // src, copy, key, value
        rpt_copy_top(L);
        lua_pushvalue(L, -2);
        lua_insert(L, -2);                     // src, copy, key, key, value copy
        lua_rawset(L, src + 1);
    }
    if (lua_getmetatable(L, src)) lua_setmetatable(L, src + 1);
    lua_replace(L, src);
}
static inline size_t rpt_memory_used(lua_State *L) { return rpt_limits_of(L)->used; }

static int rpt_collect_k(lua_State *L) {
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}

// A full collection, protected. Packs cannot set finalizers, so it runs no pack code.
static inline int rpt_collect(lua_State *L) {
    rpt_limits_of(L)->cap_on = 0;
    lua_pushcfunction(L, rpt_collect_k);
    int status = lua_pcall(L, 0, 0, 0);
    if (status != LUA_OK) lua_pop(L, 1);
    return status;
}

static int rpt_openlibs_k(lua_State *L) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_settop(L, 0);
    return 0;
}

// Only the allow-listed libraries are ever opened: no io, os, debug, package, coroutine.
static inline int rpt_openlibs(lua_State *L) {
    lua_pushcfunction(L, rpt_openlibs_k);
    return lua_pcall(L, 0, 0, 0);
}

// Text chunks only: binary chunks can crash the VM.
static inline int rpt_loadtext(lua_State *L, const char *buf, size_t len, const char *name) {
    return luaL_loadbufferx(L, buf, len, name, "t");
}

// Swift host functions return the number of results, or -1 with an error message on top,
// which the trampoline raises for them. They run with the cap off so pushing cannot raise;
// on return the memory cap and the clock are checked, and a limit hit while the host worked
// (see rpt_charge) kills the call like one hit by the script itself.
typedef int (*rpt_host_fn)(lua_State *L, void *ctx);

static int rpt_trampoline(lua_State *L) {
    rpt_host_fn fn = (rpt_host_fn)lua_touserdata(L, lua_upvalueindex(1));
    void *ctx = lua_touserdata(L, lua_upvalueindex(2));
    rpt_limits *lim = rpt_limits_of(L);
    int was_on = lim->cap_on;
    lim->cap_on = 0;
    int n = fn(L, ctx);
    lim->cap_on = was_on;
    if (was_on) {
        if (lim->used > lim->cap) rpt_kill(L, RPT_KILLED_MEMORY);
        if (rpt_charge(L, 1)) {
            rpt_arm_every_instruction(L, lim);
            if (n >= 0) return luaL_error(L, "%s", rpt_killed_message(lim->killed));
        }                                          // else the host's message says what it was doing
    }
    if (n < 0) {                                   // prefix "file.lua:LINE:" like luaL_error
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    return n;
}

static inline void rpt_push_host_function(lua_State *L, rpt_host_fn fn, void *ctx) {
    lua_pushlightuserdata(L, (void *)fn);
    lua_pushlightuserdata(L, ctx);
    lua_pushcclosure(L, rpt_trampoline, 2);
}

// Macros Swift cannot see.
static inline void rpt_pop(lua_State *L, int n) { lua_settop(L, -(n) - 1); }
static inline int rpt_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline const char *rpt_tostring(lua_State *L, int i, size_t *len) {
    return lua_type(L, i) == LUA_TSTRING ? lua_tolstring(L, i, len) : NULL;
}
static inline void rpt_getglobals(lua_State *L) { lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS); }
static inline int rpt_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline void rpt_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline int rpt_ref(lua_State *L) { return luaL_ref(L, LUA_REGISTRYINDEX); }
static inline void rpt_unref(lua_State *L, int ref) { luaL_unref(L, LUA_REGISTRYINDEX, ref); }
static inline void rpt_getref(lua_State *L, int ref) { lua_rawgeti(L, LUA_REGISTRYINDEX, ref); }

// JSON's null in Lua (rpt.json.null) is a light userdata at a unique address. A static in this
// header would have one copy per object file, so use a symbol that liblua exports once.
static inline void *rpt_null_address(void) { return (void *)lua_ident; }
static inline void rpt_push_null(lua_State *L) { lua_pushlightuserdata(L, rpt_null_address()); }
static inline int rpt_is_null(lua_State *L, int i) {
    return lua_type(L, i) == LUA_TLIGHTUSERDATA && lua_touserdata(L, i) == rpt_null_address();
}

#endif
