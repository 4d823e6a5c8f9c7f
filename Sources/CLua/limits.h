// The limits of the Lua host (part of shim.h): per-state accounting, the count hook that stops
// a call past its instruction or time budget, the allocator that enforces the memory cap, and
// the charge through which host work done for a call counts against the same budget.
#ifndef RPT_CLUA_LIMITS_H
#define RPT_CLUA_LIMITS_H
#include <lua.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <time.h>

enum { RPT_OK = 0, RPT_KILLED_INSTRUCTIONS = 1, RPT_KILLED_MEMORY = 2, RPT_KILLED_TIME = 3 };
enum { RPT_HOOK_STEP = 1000 };

// Per-state accounting, the allocator's userdata.
typedef struct rpt_limits {
    size_t used;            // bytes allocated now
    size_t cap;             // refuse growth past this while cap_on
    int cap_on;             // only while scripts run, never while the host builds values
    int refused;            // a growth was refused and nothing grew since (a real out-of-memory)
    int step;               // current count of the hook
    long long budget;       // instructions allowed in this call
    long long spent;
    double deadline;        // CLOCK_MONOTONIC seconds
    int killed;             // RPT_KILLED_*, sticky until the next call
    long long calls;        // calls made so far: the sandbox's math.random reseeds once per call
    long long overdue_ns;   // the watchdog's line for the running call (0: none), atomic
    lua_State *L;
} rpt_limits;

static inline double rpt_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline long long rpt_now_ns(void) { return (long long)(rpt_now() * 1e9); }

// Read by LuaHost's watchdog thread: past this a call is stuck in one C function (which the
// hook cannot interrupt) and the process is stopped.
static inline long long rpt_overdue_ns(rpt_limits *lim) { return __atomic_load_n(&lim->overdue_ns, __ATOMIC_RELAXED); }

static inline rpt_limits *rpt_limits_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (rpt_limits *)ud;
}

static inline const char *rpt_killed_message(int why) {
    switch (why) {
    case RPT_KILLED_INSTRUCTIONS: return "instruction limit exceeded (an endless loop?)";
    case RPT_KILLED_MEMORY: return "memory limit exceeded";
    case RPT_KILLED_TIME: return "time limit exceeded";
    default: return "stopped";
    }
}

static void rpt_hook(lua_State *L, lua_Debug *ar);

// After a kill the hook fires on every instruction, so an error the script's own pcall caught is
// raised again at once until the host has control.
static inline void rpt_arm_every_instruction(lua_State *L, rpt_limits *lim) {
    lim->step = 1;
    lua_sethook(L, rpt_hook, LUA_MASKCOUNT, 1);
}

// Counts `units` of work against the call's instruction budget, and reads the clock each time
// the count passes a multiple of RPT_HOOK_STEP (as often as the hook does). Host code that works
// for a call (converting or encoding its values) charges here too. Returns `killed`.
static inline int rpt_charge(lua_State *L, long long units) {
    rpt_limits *lim = rpt_limits_of(L);
    if (!lim->killed) {
        long long before = lim->spent;
        lim->spent += units;
        if (lim->refused) lim->killed = RPT_KILLED_MEMORY;
        else if (lim->spent > lim->budget) lim->killed = RPT_KILLED_INSTRUCTIONS;
        else if (lim->spent / RPT_HOOK_STEP != before / RPT_HOOK_STEP && rpt_now() > lim->deadline)
            lim->killed = RPT_KILLED_TIME;
    }
    return lim->killed;
}

static inline void rpt_kill(lua_State *L, int why) {
    rpt_limits *lim = rpt_limits_of(L);
    if (!lim->killed) lim->killed = why;
}

// A fresh budget: the start of a call.
static inline void rpt_budget(lua_State *L, long long instructions, double seconds) {
    rpt_limits *lim = rpt_limits_of(L);
    lim->killed = 0;
    lim->refused = 0;
    lim->spent = 0;
    lim->budget = instructions;
    lim->deadline = rpt_now() + seconds;
}

// Fires every `step` instructions. Runs with Lua's hooks off, so it must never call pack code:
// that is why the sandbox replaces xpcall (a message handler would run from here, unlimited).
static void rpt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    rpt_limits *lim = rpt_limits_of(L);
    if (rpt_charge(L, lim->step)) {
        rpt_arm_every_instruction(L, lim);
        luaL_error(L, "%s", rpt_killed_message(lim->killed));
    } else if (lim->step != RPT_HOOK_STEP) {
        lim->step = RPT_HOOK_STEP;
        lua_sethook(L, rpt_hook, LUA_MASKCOUNT, RPT_HOOK_STEP);
    }
}

// Lua retries a refused allocation once after an emergency collection; `refused` stays set
// only if nothing grows afterwards, and the hook (armed for the next instruction) then kills.
static void *rpt_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    rpt_limits *lim = (rpt_limits *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        lim->used -= old;
        return NULL;
    }
    if (lim->cap_on && nsize > old && lim->used - old + nsize > lim->cap) {
        lim->refused = 1;
        if (lim->L) rpt_arm_every_instruction(lim->L, lim);
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p) {
        lim->used = lim->used - old + nsize;
        if (nsize > old) lim->refused = 0;
    }
    return p;
}

#endif
