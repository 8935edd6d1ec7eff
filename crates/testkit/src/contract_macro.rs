//! `store_contract_tests!`: one test per contract case, for any store adapter.

/// Expands to one `#[tokio::test]` per case of [`contract`](crate::contract), each calling
/// the case with a fresh store. The argument is an expression evaluated inside each async test
/// (so it may `.await`) to a value implementing `Store` (the event, invitee and outbox ports); use
/// [`GuardedStore`](crate::GuardedStore) to keep a temporary directory alive with the store.
///
/// The calling crate needs `tokio` (features `macros` and `rt`) as a dependency.
///
/// ```ignore
/// rollcall_testkit::store_contract_tests!(rollcall_testkit::InMemoryStore::new());
/// ```
#[macro_export]
macro_rules! store_contract_tests {
    ($make_store:expr) => {
        $crate::__store_contract_cases! {
            $make_store;
            a_new_event_is_readable_by_id_and_by_uid,
            a_second_commit_of_the_same_message_changes_nothing,
            a_stale_expected_version_conflicts_and_writes_nothing,
            a_current_expected_version_replaces_the_event,
            an_update_of_an_unknown_event_conflicts,
            two_organizers_may_use_the_same_uid,
            a_duplicate_organizer_uid_insert_conflicts,
            a_duplicate_event_id_insert_conflicts,
            message_records_round_trip_their_outcome,
            outbox_messages_are_queued_once_and_become_due,
            due_messages_come_oldest_first_up_to_the_limit,
            a_retry_is_not_due_before_its_time,
            sent_and_failed_messages_are_no_longer_due,
            marking_an_unknown_outbox_message_changes_nothing,
            a_claimed_message_is_left_to_its_sender_until_the_lease_ends,
            a_due_message_says_when_its_lifetime_began,
            the_outbox_pause_is_kept_probed_by_one_sender_at_a_time_and_ended,
            a_failed_message_is_requeued_once_with_a_fresh_lifetime,
            a_new_invitee_is_readable_by_id_and_by_event_and_email,
            change_records_come_out_per_organizer_in_commit_order,
            concurrent_commits_each_get_their_own_place_in_the_stream,
            answers_on_the_web_tell_the_organizers_stream_once,
            change_records_are_told_to_the_stream_through_the_outbox_once,
            webhook_endpoints_are_kept_per_organizer_and_deleted_with_their_log,
            a_dispatch_reaches_each_endpoint_that_wants_it_once_signed_and_retried,
            a_duplicate_event_and_email_insert_conflicts_and_writes_nothing,
            a_duplicate_invitee_id_insert_conflicts,
            a_stale_invitee_version_conflicts_and_writes_nothing,
            a_commit_whose_signal_is_already_recorded_changes_nothing,
            counters_add_up_deltas_within_and_across_commits_and_omit_zeros,
            signals_of_returns_history_oldest_first_with_the_recorded_effect,
            invitees_of_pages_in_id_order,
            the_ingest_use_case_creates_updates_and_ignores_stale,
            an_organizer_list_is_recorded_by_attendee_jobs_once,
            a_web_rsvp_creates_an_invitee_with_its_invitation_and_counters,
            a_web_rsvp_for_a_known_address_changes_nothing_and_mails_its_link,
            a_web_rsvp_refuses_rollcalls_own_addresses_and_address_literals,
            unsubscribing_makes_an_invitee_unreachable_once,
            a_fan_out_job_queues_one_invitation_per_reachable_invitee_once,
            a_long_fan_out_continues_in_later_runs_and_reaches_everyone_once,
            a_fan_out_beyond_the_daily_invitation_quota_waits_for_the_next_day,
            a_past_event_takes_no_more_answers_or_guests_but_still_lets_people_leave,
            a_changed_answer_updates_the_invitees_calendar_copy_once,
            delivery_retries_transient_failures_until_the_lifetime_ends,
            an_unavailable_transport_pauses_the_outbox_until_one_probe_gets_through,
            several_senders_share_one_pause_and_one_probe,
            a_delayed_invitation_shows_its_invitee_delayed_until_it_is_sent,
            a_requeued_failed_message_is_sent_once,
            paced_sending_sends_one_full_batch_a_second_until_nothing_is_due,
            a_paced_run_stopped_with_mail_due_says_work_is_left,
            delivery_sends_after_a_transient_failure_clears,
            delivery_does_not_retry_a_permanent_failure,
            an_untrusted_invitation_creates_nothing_and_asks_its_organizer_once,
            an_untrusted_message_that_would_change_nothing_sends_nothing,
            mail_that_is_no_invitation_is_still_recorded_with_its_from_and_subject,
            an_untrusted_update_leaves_the_event_alone_until_confirmed,
            confirming_applies_the_message_once,
            an_expired_or_unknown_confirmation_is_refused,
            a_forged_delegate_acts_for_nobody_and_only_the_organizer_is_asked,
            an_allowed_delegate_acts_and_a_revoked_one_waits_again,
            allowing_a_delegate_for_one_event_covers_that_event_only,
            a_refused_message_never_applies,
            delegations_are_kept_per_organizer_delegate_and_scope,
            a_quota_is_taken_atomically_up_to_its_limit_per_key_and_day,
            new_events_beyond_the_daily_quota_are_not_created,
            confirmation_mails_beyond_the_daily_quota_are_not_sent,
            invitations_beyond_the_daily_quota_are_refused,
            credentials_are_kept_by_hash_listed_per_organizer_and_taken_once,
            of_two_racing_takes_of_a_credential_one_wins,
            events_are_found_by_organizer_and_by_organizer_domain,
            counter_increments_are_kept_per_hour_for_time_series,
            a_sign_in_link_works_once_and_expires_and_using_one_ends_the_others,
            sessions_end_when_idle_too_long_or_signed_out,
            api_tokens_are_stored_hashed_and_revoked_by_id,
            a_sign_in_request_is_queued_for_any_address_and_mailed_only_to_those_with_events,
            a_flood_of_sign_in_requests_mails_a_few_links_and_the_first_keeps_working,
            a_sign_in_mail_that_fails_to_send_leaves_no_working_link,
            the_acknowledgement_carries_a_working_sign_in_link,
            organizer_added_invitees_are_invited_with_a_result_per_line,
            answers_are_counted_by_channel_and_domain_for_reports,
            answers_for_one_occurrence_are_counted_for_it_in_the_same_commit,
            suppressions_are_kept_per_address_listed_in_order_and_lifted,
            a_hard_bounce_at_one_event_keeps_every_event_from_mailing_the_address,
            unsubscribing_from_everything_suppresses_the_address_and_this_event_does_not,
            an_owner_resubscribes_from_their_page_and_leaves_the_suppression_list,
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __store_contract_cases {
    ($make_store:expr; $($case:ident),+ $(,)?) => {
        $(
            #[::tokio::test]
            async fn $case() {
                let store = $make_store;
                $crate::contract::$case(&store).await;
            }
        )+
    };
}
