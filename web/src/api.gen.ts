// Generated from crates/http/src/api/openapi.json by `npm run api-types`: do not edit.
// src/types.ts names these shapes for the app.

export interface paths {
    "/api/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who is signed in, with the CSRF token for writes */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Sign out */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed out */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/session/link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mail a sign-in link (answers the same, after the same work, whether or not the address has events) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                    };
                };
            };
            responses: {
                /** @description Accepted */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LinkSent"];
                    };
                };
                /** @description An error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in organizer's events, filtered, sorted and paged, with counts */
        get: {
            parameters: {
                query?: {
                    /** @description Which events */
                    when?: "upcoming" | "past" | "cancelled" | "all";
                    /** @description Text in the title, location or organizer */
                    q?: string;
                    /** @description Order */
                    sort?: "start" | "-start" | "title" | "-updated";
                    /** @description 1-based page */
                    page?: number;
                    /** @description Events per page */
                    per_page?: number;
                    /** @description domain: every event of the admin's domain */
                    scope?: "mine" | "domain";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["EventList"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{event_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One event */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    event_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["EventDetail"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{event_id}/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The event report: counts per track value, funnel, answers by channel and domain, proposals */
        get: {
            parameters: {
                query?: {
                    /** @description One date of a series (an id from /occurrences): each invitee counts with their answer for that date */
                    occurrence?: string;
                };
                header?: never;
                path: {
                    event_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Report"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{event_id}/series": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A time series of changes into each value of a track, in a time zone */
        get: {
            parameters: {
                query?: {
                    /** @description A status track, or one of the report's counters */
                    track?: "response" | "delivery" | "reachability" | "answers-by-channel" | "answers-by-domain" | "invitees-by-domain" | "proposals";
                    /** @description Bucket size */
                    granularity?: "hour" | "day" | "week" | "month" | "quarter" | "year";
                    /** @description IANA time zone (default UTC) */
                    tz?: string;
                    /** @description First day (default: 30 days ago) */
                    from?: string;
                    /** @description Last day, inclusive (default: today) */
                    to?: string;
                    /** @description Also the span just before */
                    compare?: "none" | "previous";
                    /** @description One date of a series (an id from /occurrences): each invitee counts with their answer for that date */
                    occurrence?: string;
                };
                header?: never;
                path: {
                    event_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Series"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{event_id}/occurrences": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dates of a recurring event, each named by its RECURRENCE-ID, with the organizer's cancellations and moves */
        get: {
            parameters: {
                query?: {
                    /** @description Only occurrences that have not ended by then */
                    from?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    event_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The occurrences */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OccurrenceList"];
                    };
                };
                /** @description `from` is not an RFC 3339 time */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description No such event visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{event_id}/invitees": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Invitees, filtered by track values and searched, paged */
        get: {
            parameters: {
                query?: {
                    /** @description A response value */
                    response?: string;
                    /** @description A delivery value */
                    delivery?: string;
                    /** @description A reachability value */
                    reachability?: string;
                    /** @description Text in the name or email */
                    q?: string;
                    /** @description Only invitees whose calendar proposed another time */
                    proposed?: boolean;
                    /** @description 1-based page */
                    page?: number;
                    /** @description Per page */
                    per_page?: number;
                    /** @description One date of a series (an id from /occurrences): each invitee counts with their answer for that date */
                    occurrence?: string;
                };
                header?: never;
                path: {
                    event_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["InviteeList"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Add invitees from a pasted list or CSV; each new one gets their invitation */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    event_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description One person per line: Name <email>, email, name,email or email,name */
                        text: string;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AddInviteesResult"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{event_id}/invitees/{invitee_id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every signal of one invitee, with channel, times, provenance and effect */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    event_id: string;
                    invitee_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Timeline"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{event_id}/export/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Export invitees or signals as CSV or JSON (streamed; CSV is formula-safe) */
        get: {
            parameters: {
                query?: {
                    /** @description One date of a series (an id from /occurrences): each invitee counts with their answer for that date */
                    occurrence?: string;
                };
                header?: never;
                path: {
                    event_id: string;
                    file: "invitees.csv" | "invitees.json" | "signals.csv" | "signals.json";
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The file */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/csv": string;
                        "application/json": Record<string, never>[];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The organizer's API tokens (never the tokens themselves) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TokenList"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create an API token; the token is in this answer only */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        label: string;
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreatedToken"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API token */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    token_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The organizer's change records in commit order, resumable after a cursor
         * @description Without event_id, the caller's own stream; with it, that event's changes (for whoever may see the event). Poll with after=next_cursor: a record committed later always comes after every record already returned.
         */
        get: {
            parameters: {
                query?: {
                    /** @description A cursor (next_cursor, or a record's cursor): only records after it. */
                    after?: string;
                    /** @description Comma-separated change types; all types if absent. */
                    types?: string;
                    event_id?: string;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ChangeList"];
                    };
                };
                /** @description An error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The organizer's webhook endpoints (never their secrets) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookList"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Register an endpoint; its secret is in this answer only */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["WebhookBody"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreatedWebhook"];
                    };
                };
                /** @description An error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{webhook_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete an endpoint and its delivery log */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change an endpoint's url, types or description, or enable it again */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["WebhookBody"];
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description An error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/webhooks/{webhook_id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new secret, in this answer only; the old one signs beside it for 24 hours */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreatedWebhook"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{webhook_id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue a webhook.test delivery to the endpoint */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Queued */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeliveryQueued"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{webhook_id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The endpoint's delivery log, newest attempt first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path: {
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeliveryList"];
                    };
                };
                /** @description An error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a failed delivery again, with the same webhook-id and a fresh schedule */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhook_id: string;
                    delivery_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Queued */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeliveryQueued"];
                    };
                };
                /** @description An error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{webhook_id}/resend-failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send every failed delivery of the endpoint again (at most 1,000), with their webhook-ids and fresh schedules */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Queued */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Resent"];
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/delegates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Delegates you have allowed to send your invitations (SENT-BY) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Your allowances */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            delegates: components["schemas"]["Delegate"][];
                        };
                    };
                };
                /** @description An error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/delegates/{delegate}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke every allowance of one delegate */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    delegate: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            /** @enum {string} */
            error: "signed-out" | "not-found" | "bad-request" | "csrf" | "forbidden" | "rate-limited" | "unavailable" | "too-large";
            message: string;
        };
        Session: {
            organizer: string;
            domain_admin: string | null;
            csrf_token: string | null;
            /** Format: date-time */
            expires_at: string | null;
            /** @description The address organizers invite (invites@<domain>) */
            inbox_address: string;
        };
        EventSummary: {
            id: string;
            title: string;
            /** @enum {string} */
            status: "active" | "updated" | "cancelled";
            start: string | null;
            end: string | null;
            all_day: boolean;
            time_zone: string | null;
            location: string | null;
            sequence: number;
            organizer: {
                email: string;
                name: string | null;
            };
            public_url: string;
            /** Format: date-time */
            updated_at: string;
            counts: {
                invitees: number;
                accepted: number;
                tentative: number;
                declined: number;
                needs_action: number;
                bounced: number;
            };
        };
        EventDetail: components["schemas"]["EventSummary"] & {
            description: string | null;
            /** Format: date-time */
            created_at: string;
            ics_url: string;
            embed_html: string;
        };
        Report: {
            event: components["schemas"]["EventDetail"];
            counts: {
                response: {
                    [key: string]: number;
                };
                delivery: {
                    [key: string]: number;
                };
                reachability: {
                    [key: string]: number;
                };
            };
            funnel: {
                /** @enum {string} */
                stage: "invited" | "sent" | "delivered" | "opened" | "answered" | "accepted";
                count: number;
            }[];
            by_channel: {
                channel: string;
                count: number;
            }[];
            by_domain: {
                domain: string;
                invitees: number;
                answers: number;
            }[];
            proposals: number;
            /** @description What happened, rather than where things stand: every answer received, a changed answer again. */
            activity: {
                answers: number;
                answers_by_channel: {
                    channel: string;
                    count: number;
                }[];
                proposals: number;
            };
            /** @description The date the numbers are for, or null for the whole series */
            occurrence: string | null;
        };
        Bucket: {
            /** Format: date-time */
            start: string;
            label: string;
            counts: {
                [key: string]: number;
            };
        };
        Series: {
            track: string;
            granularity: string;
            time_zone: string;
            values: string[];
            buckets: components["schemas"]["Bucket"][];
            previous: components["schemas"]["Bucket"][] | null;
            /** @description The date the series is for, or null for the whole series */
            occurrence: string | null;
        };
        Invitee: {
            id: string;
            name: string | null;
            email: string;
            joined_via: string;
            status: {
                response: string;
                delivery: string;
                reachability: string;
            };
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            proposal: {
                start: string | null;
                end: string | null;
                comment: string | null;
            } | null;
            /** @description Answers given for single dates that stand over the series answer, by occurrence id */
            occurrence_answers: {
                [key: string]: string;
            };
            /** @description With ?occurrence=: the answer for that date */
            occurrence?: {
                id: string;
                response: string;
                own: boolean;
            };
        };
        Signal: {
            kind: string;
            value: string | null;
            channel: string;
            /** Format: date-time */
            occurred_at: string;
            /** Format: date-time */
            received_at: string;
            provenance: {
                message_id: string | null;
                producer: string | null;
                sender_auth: string | null;
                note: string | null;
                /**
                 * @description Which of Rollcall's mails a queued, delayed or sent signal is about; absent on other signals
                 * @enum {string|null}
                 */
                mail?: "invitation" | "update" | "cancellation" | "answer-copy" | null;
            };
            comment: string | null;
            effect: string;
            applied: boolean;
        };
        AddedLine: {
            line: number;
            input: string;
            email: string | null;
            name: string | null;
            /** @enum {string} */
            result: "added" | "already-invited" | "invalid-address" | "unsubscribed" | "rollcall-address" | "quota-reached" | "suppressed";
        };
        ApiToken: {
            id: string;
            label: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            last_used_at: string | null;
        };
        Delegate: {
            delegate: string;
            /** @enum {string} */
            scope: "all-events" | "event";
            uid: string | null;
            /** Format: date-time */
            granted_at: string;
        };
        /** @description One page of events */
        EventList: {
            events: components["schemas"]["EventSummary"][];
            page: number;
            per_page: number;
            total: number;
        };
        /** @description One page of invitees */
        InviteeList: {
            invitees: components["schemas"]["Invitee"][];
            page: number;
            per_page: number;
            total: number;
        };
        /** @description The dates of an event (one for a single event) */
        OccurrenceList: {
            recurring: boolean;
            repeats: string | null;
            occurrences: components["schemas"]["Occurrence"][];
            more: boolean;
        };
        /** @description One date of a series */
        Occurrence: {
            /** @description The RECURRENCE-ID as a contract time */
            id: string;
            planned: string;
            start: string;
            end: string | null;
            /** @enum {string} */
            state: "scheduled" | "moved" | "cancelled";
            text: string;
            /** @description Everyone's answer for this date, by response value */
            answers: {
                [key: string]: number;
            };
        };
        /** @description What became of each line of a paste */
        AddInviteesResult: {
            results: components["schemas"]["AddedLine"][];
            added: number;
        };
        /** @description One invitee and every signal about them */
        Timeline: {
            invitee: components["schemas"]["Invitee"];
            signals: components["schemas"]["Signal"][];
            /** @description Set when Rollcall mails the address for no event at all */
            suppression: {
                /** @enum {string} */
                reason: "bounced" | "complained" | "unsubscribed";
                /** Format: date-time */
                since: string;
                event_id: string | null;
                detail: string | null;
                text: string;
            } | null;
        };
        /** @description A sign-in link was mailed, if the address may sign in */
        LinkSent: {
            message: string;
        };
        /** @description A new API token: the secret is shown this once */
        CreatedToken: components["schemas"]["ApiToken"] & {
            token: string;
        };
        TokenList: {
            tokens: components["schemas"]["ApiToken"][];
        };
        /** @enum {string} */
        ChangeType: "event.created" | "event.updated" | "event.cancelled" | "event.occurrence_updated" | "event.occurrence_cancelled" | "invitee.added" | "invitee.answered" | "invitee.answer_reset" | "invitee.proposed" | "invitee.delivery" | "invitee.bounced" | "invitee.complained" | "invitee.unsubscribed" | "invitee.resubscribed" | "webhook.test";
        ChangeData: {
            event_id: string;
            event_title: string;
            invitee_id?: string;
            email?: string;
            name?: string;
            /** @enum {string} */
            track?: "delivery" | "response" | "reachability";
            old?: string;
            new?: string;
            /** @enum {string} */
            channel?: "web" | "calendar-reply" | "organizer-list" | "provider" | "api";
            occurrence?: string;
            proposed_start?: string;
            proposed_end?: string;
            comment?: string;
            sequence?: number;
        };
        Change: {
            /** @description Stable: derived from the change's cause, so a consumer de-duplicates by it. */
            id: string;
            type: components["schemas"]["ChangeType"];
            /** Format: date-time */
            created_at: string;
            /** @description The shape of the record; 1. */
            version: number;
            cursor: string;
            data: components["schemas"]["ChangeData"];
        };
        ChangeList: {
            changes: components["schemas"]["Change"][];
            /** @description Pass as after= to read on; the same cursor when nothing is new. */
            next_cursor: string;
            has_more: boolean;
        };
        Webhook: {
            id: string;
            url: string;
            /** @description Empty: every type. */
            types: components["schemas"]["ChangeType"][];
            description: string;
            enabled: boolean;
            disabled_reason: string | null;
            /** Format: date-time */
            created_at: string;
            /**
             * Format: date-time
             * @description Until then the previous secret signs too.
             */
            rotating_until: string | null;
        };
        CreatedWebhook: {
            id: string;
            url: string;
            /** @description Empty: every type. */
            types: components["schemas"]["ChangeType"][];
            description: string;
            enabled: boolean;
            disabled_reason: string | null;
            /** Format: date-time */
            created_at: string;
            /**
             * Format: date-time
             * @description Until then the previous secret signs too.
             */
            rotating_until: string | null;
            /** @description whsec_…: shown in this answer only. */
            secret: string;
        };
        WebhookList: {
            webhooks: components["schemas"]["Webhook"][];
        };
        WebhookBody: {
            url?: string;
            types?: string[];
            description?: string;
            enabled?: boolean;
        };
        DeliveryAttempt: {
            /** @description The webhook-id header, the same on every attempt. */
            delivery_id: string;
            change_id: string;
            type: components["schemas"]["ChangeType"];
            /** Format: date-time */
            at: string;
            attempt: number;
            /** @description The HTTP status the endpoint answered; null when it did not answer. */
            status: number | null;
            duration_ms: number;
            outcome: string;
        };
        DeliveryList: {
            deliveries: components["schemas"]["DeliveryAttempt"][];
        };
        DeliveryQueued: {
            delivery_id: string;
        };
        Resent: {
            resent: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
