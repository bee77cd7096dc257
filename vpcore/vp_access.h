/* The access decision, the same for the module and vplanetd: a token
 * becomes a principal (its kind; a user's account active and session
 * live), the principal gets a role on a project, and the policy
 * (vp_authz) says whether that role allows the action. Statements run
 * through the caller's runner: mod_dbd in the module, libpq in vplanetd.
 * httpd-free. */
#ifndef VP_ACCESS_H
#define VP_ACCESS_H

#include "vp_authz.h"
#include "vp_sql.h"
#include "vp_token.h"

#include <apr_pools.h>
#include <jansson.h>
#include <libpq-fe.h>

/* How the core runs a prepared statement of vpcore/vp_sql.h. */
typedef struct {
    /* The result, or NULL on a database error (logged or recorded by the
     * runner). */
    PGresult *(*run)(void *ctx, vp_sql_id id, int n, const char *const *params);
    /* Frees a result of run; NULL when the runner frees them itself. */
    void (*release)(void *ctx, PGresult *res);
    void *ctx;
} vp_runner_t;

typedef enum {
    VP_ACCESS_OK,
    VP_ACCESS_UNAUTHENTICATED,  /* 401: see message and why */
    VP_ACCESS_NOT_FOUND,        /* no such project, or not a member: other
                                 * tenants' ids are never confirmed */
    VP_ACCESS_FORBIDDEN,        /* the role does not allow the action */
    VP_ACCESS_UNAVAILABLE       /* the database failed */
} vp_outcome_t;

typedef struct {
    vp_outcome_t outcome;
    const char *message;        /* UNAUTHENTICATED: what the client is told */
    const char *why;            /* UNAUTHENTICATED: for the log, or NULL */
    vp_role_t role;             /* OK, FORBIDDEN: the role on the project */
} vp_verdict_t;

/* The caller a token speaks for. */
typedef struct {
    vp_kind_t kind;
    const char *id;             /* user id; guest: the token's sub */
    const char *sid;            /* users: the session (refresh family) */
    const char *project_id;     /* guests: the token's project */
    const char *role;           /* guests: the token's role */
    const char *email;          /* guests: the invited address */
    long ver;                   /* guests: the invitation's token version */
    long exp;                   /* the token's expiry (seconds) */
    json_t *user;               /* users: the public user object, made by
                                 * the module from vp_access_identify's row */
} vp_principal_t;

#define VP_ACCESS_INVALID "the token is invalid or expired"
#define VP_ACCESS_GUEST   "a guest token cannot be used here"

/* Verifies token at now and fills *who (from p). A user's account must be
 * active and its session not revoked: USER_ACTIVE's row goes to *row
 * when row is not NULL (the caller releases it), else it is released. A
 * guest is only recognised here: what it may do is vp_may's to say. */
vp_verdict_t vp_access_identify(const vp_runner_t *db, apr_pool_t *p,
                                const vp_token_keys_t *keys, const char *token, long now,
                                vp_principal_t *who, PGresult **row);

/* Whether a user's account is still active and the session not revoked. */
vp_verdict_t vp_access_session(const vp_runner_t *db, const char *user_id, const char *sid);

/* Whether who may perform action outside any project (VP_ACT_ACCOUNT). */
vp_verdict_t vp_access_account(const vp_principal_t *who, vp_action_t action);

/* who's role on project_id, read with the statement stmt ($1 the project,
 * $2 the user; the first column of its one row is the role, later columns
 * are the caller's: VP_SQL_MEMBER_ROLE, or a variant reading more in the same
 * snapshot), and whether it allows action. The row goes to *row on OK when
 * row is not NULL (the caller releases it). */
vp_verdict_t vp_access_project(const vp_runner_t *db, const vp_principal_t *who,
                               const char *project_id, vp_sql_id stmt, vp_action_t action,
                               PGresult **row);

#endif
