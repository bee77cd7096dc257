/* Unit tests of the policy (vpcore/vp_authz.c): every cell of the role
 * matrix t/roles.table, the table t/22-roles.t checks through HTTP, asked
 * of vp_may, vp_may_manage and vp_may_remove; and the guest kind held to
 * its surface (spec section 7). */
#include "tap.h"

#include <stdlib.h>

#include "vpcore/vp_authz.h"

#ifndef ROLES_TABLE
#define ROLES_TABLE "t/roles.table"
#endif
#define COLUMNS 8

/* The callers of the table's columns. */
static const struct {
    const char *name;
    vp_kind_t kind;
    vp_role_t role;
} callers[COLUMNS] = {
    {"owner", VP_KIND_USER, VP_ROLE_OWNER}, {"admin", VP_KIND_USER, VP_ROLE_ADMIN},
    {"editor", VP_KIND_USER, VP_ROLE_EDITOR}, {"reviewer", VP_KIND_USER, VP_ROLE_REVIEWER},
    {"viewer", VP_KIND_USER, VP_ROLE_VIEWER}, {"outsider", VP_KIND_USER, VP_ROLE_NONE},
    {"guest_v", VP_KIND_GUEST, VP_ROLE_VIEWER}, {"guest_e", VP_KIND_GUEST, VP_ROLE_EDITOR},
};

static const char *const actions[VP_ACT_COUNT] = {
    [VP_ACT_ACCOUNT] = "account", [VP_ACT_READ] = "read", [VP_ACT_UPDATE] = "update",
    [VP_ACT_DELETE] = "delete", [VP_ACT_RESTORE] = "restore", [VP_ACT_TRANSFER] = "transfer",
    [VP_ACT_MEMBERS] = "members", [VP_ACT_LEAVE] = "leave", [VP_ACT_SCHEDULE] = "schedule",
    [VP_ACT_MEMOS] = "memos", [VP_ACT_VIDEOS] = "videos", [VP_ACT_FEEDBACK] = "feedback",
    [VP_ACT_FEEDBACK_TRIAGE] = "triage", [VP_ACT_FEEDBACK_MODERATE] = "moderate",
    [VP_ACT_VIEW] = "view", [VP_ACT_REACT] = "react", [VP_ACT_INVITE] = "invite",
    [VP_ACT_AUDIT] = "audit",
};

static int action_of(const char *name)
{
    int a;

    for (a = 0; a < VP_ACT_COUNT; a++)
        if (strcmp(actions[a], name) == 0)
            return a;
    return -1;
}

/* "none" and "self" are no role names: VP_ROLE_NONE, or the caller's. */
static vp_role_t role_of(const char *name, vp_role_t self)
{
    return strcmp(name, "self") == 0 ? self : vp_role_parse(name);
}

/* The decision of a row (words: its decision column) for caller i: 1
 * allowed, 0 refused, -1 a decision this test does not know. */
static int decide(char **w, int n, int i)
{
    vp_kind_t kind = callers[i].kind;
    vp_role_t role = callers[i].role, target;
    int a;

    if (n >= 2 && strcmp(w[0], "may") == 0) {
        int k, all = 1;

        /* may A B: the route checks A, then B */
        for (k = 1; k < n; k++) {
            if ((a = action_of(w[k])) < 0)
                return -1;
            all = all && vp_may(kind, role, (vp_action_t)a);
        }
        return all;
    }
    if (n == 3 && strcmp(w[0], "manage") == 0)
        return vp_may(kind, role, VP_ACT_MEMBERS)
               && vp_may_manage(role, role_of(w[1], role), role_of(w[2], role));
    if (n == 2 && strcmp(w[0], "remove") == 0) {
        target = vp_role_parse(w[1]);
        /* there is one owner: the owner's column removes itself */
        return vp_may(kind, role, VP_ACT_READ)
               && vp_may_remove(role, target, target == VP_ROLE_OWNER && role == target)
                  == VP_REMOVAL_OK;
    }
    if (n == 1 && strcmp(w[0], "leave") == 0)
        return vp_may(kind, role, VP_ACT_READ) && vp_may_remove(role, role, 1) == VP_REMOVAL_OK;
    return -1;
}

/* Splits s at blanks into at most max words; how many. */
static int words(char *s, char **w, int max)
{
    int n = 0;
    char *save = NULL, *t;

    for (t = strtok_r(s, " \t\n", &save); t && n < max; t = strtok_r(NULL, " \t\n", &save))
        w[n++] = t;
    return n;
}

/* One line of the table: "row | decision | statuses". */
static void check_row(char *line)
{
    char *row = line, *decision = strchr(line, '|'), *statuses, *w[4], *st[COLUMNS + 1];
    int nw, ns, i;

    if (!decision || !(statuses = strchr(decision + 1, '|'))) {
        ok(0, "a row has three columns");
        return;
    }
    *decision++ = '\0';
    *statuses++ = '\0';
    while (*row && row[strlen(row) - 1] == ' ')
        row[strlen(row) - 1] = '\0';
    nw = words(decision, w, 4);
    ns = words(statuses, st, COLUMNS + 1);
    is_int(ns, COLUMNS, "a status for each caller");
    if (nw == 1 && strcmp(w[0], "-") == 0)
        return;
    for (i = 0; i < COLUMNS && i < ns; i++) {
        char name[200];
        int want = atoi(st[i]) < 300, got = decide(w, nw, i);

        snprintf(name, sizeof name, "%s as %s: %s", row, callers[i].name,
                 want ? "allowed" : "refused");
        ok(got == want, name);
    }
}

static void test_table(void)
{
    FILE *f = fopen(ROLES_TABLE, "r");
    char line[512];
    int rows = 0;

    ok(f != NULL, "the role table opens");
    while (f && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        check_row(line);
        rows++;
    }
    if (f)
        fclose(f);
    ok(rows >= 29, "the table has its rows");
}

static void test_guests(void)
{
    int a, r, any = 0;

    /* spec section 7: the review surface, and feedback and comments */
    for (a = 0; a < VP_ACT_COUNT; a++)
        for (r = VP_ROLE_NONE; r <= VP_ROLE_OWNER; r++)
            if (a != VP_ACT_VIEW && a != VP_ACT_FEEDBACK)
                any |= vp_may(VP_KIND_GUEST, (vp_role_t)r, (vp_action_t)a);
    ok(!any, "a guest may only view and write feedback, whatever its role");
    ok(vp_may(VP_KIND_GUEST, VP_ROLE_VIEWER, VP_ACT_VIEW), "a viewer guest views");
    ok(!vp_may(VP_KIND_GUEST, VP_ROLE_VIEWER, VP_ACT_FEEDBACK), "but writes no feedback");
    ok(vp_may(VP_KIND_GUEST, VP_ROLE_REVIEWER, VP_ACT_FEEDBACK), "a reviewer guest writes feedback");
    ok(!vp_may(VP_KIND_GUEST, VP_ROLE_ADMIN, VP_ACT_VIEW)
       && !vp_may(VP_KIND_GUEST, VP_ROLE_OWNER, VP_ACT_FEEDBACK),
       "a guest token naming admin or owner (no invitation gives one) may nothing");
    ok(!vp_may(VP_KIND_GUEST, VP_ROLE_NONE, VP_ACT_VIEW), "nor one without a role");
    ok(!vp_may(VP_KIND_COUNT, VP_ROLE_OWNER, VP_ACT_READ), "an unknown kind may nothing");
    ok(!vp_may(VP_KIND_USER, VP_ROLE_OWNER, VP_ACT_COUNT), "an unknown action is refused");
}

static void test_roles(void)
{
    is_int(vp_role_parse("admin"), VP_ROLE_ADMIN, "a role by name");
    is_int(vp_role_parse("none"), VP_ROLE_NONE, "\"none\" is no role");
    is_int(vp_role_parse(NULL), VP_ROLE_NONE, "nor is NULL");
    is_str(vp_role_name(VP_ROLE_REVIEWER), "reviewer", "a role's name");
    ok(!vp_may(VP_KIND_USER, VP_ROLE_NONE, VP_ACT_READ), "a non-member reads nothing");
    ok(vp_may(VP_KIND_USER, VP_ROLE_NONE, VP_ACT_ACCOUNT), "but has an account");
}

int main(void)
{
    test_table();
    test_guests();
    test_roles();
    return done_testing();
}
