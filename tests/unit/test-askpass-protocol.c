/* The askpass wire protocol and ssh prompt classification, fed hostile input. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "askpass-protocol.h"

/* Decodes a whole frame made by an encoder: header, then body. */
static void
split_frame(GBytes *frame, const guint8 **body, gsize *len)
{
    gsize size = 0;
    const guint8 *data = g_bytes_get_data(frame, &size);
    g_autoptr(GError) error = NULL;

    assert_true(size >= MARINA_ASKPASS_HEADER_SIZE);
    assert_true(marina_askpass_parse_header(data, MARINA_ASKPASS_HEADER_SIZE, len, &error));
    assert_int_equal(*len, size - MARINA_ASKPASS_HEADER_SIZE);
    *body = data + MARINA_ASKPASS_HEADER_SIZE;
}

static void
test_request_round_trip(void **state)
{
    g_autoptr(GBytes) frame = marina_askpass_encode_request("abc123", "alice@db1's password: ", "");
    g_autofree char *token = NULL, *prompt = NULL, *hint = NULL;
    const guint8 *body;
    gsize len;

    split_frame(frame, &body, &len);
    assert_true(marina_askpass_decode_request(body, len, &token, &prompt, &hint, NULL));
    assert_string_equal(token, "abc123");
    assert_string_equal(prompt, "alice@db1's password: ");
    assert_string_equal(hint, "");
}

static void
test_request_bounds_hostile_prompt(void **state)
{
    /* Huge, not UTF-8, full of escape sequences: still a bounded, valid request. */
    g_autofree char *huge = g_malloc(100000);
    g_autoptr(GBytes) frame = NULL;
    g_autofree char *token = NULL, *prompt = NULL, *hint = NULL;
    const guint8 *body;
    gsize len;

    for (gsize i = 0; i < 99999; i++)
        huge[i] = (char)(i % 3 == 0 ? '\x1b' : i % 3 == 1 ? '\xff' : 'x');
    huge[99999] = '\0';
    frame = marina_askpass_encode_request(huge, huge, huge);
    split_frame(frame, &body, &len);
    assert_true(len <= MARINA_ASKPASS_MAX_BODY);
    assert_true(marina_askpass_decode_request(body, len, &token, &prompt, &hint, NULL));
    assert_true(strlen(prompt) <= MARINA_ASKPASS_MAX_PROMPT);
    assert_true(strlen(token) <= MARINA_ASKPASS_MAX_TOKEN);
    assert_true(g_utf8_validate(prompt, -1, NULL));
    assert_null(strchr(prompt, '\x1b'));
}

static void
test_header_refuses_wrong_magic_and_sizes(void **state)
{
    guint8 header[MARINA_ASKPASS_HEADER_SIZE];
    gsize len = 0;
    g_autoptr(GError) error = NULL;

    marina_askpass_write_header(header, MARINA_ASKPASS_MAX_BODY + 1);
    assert_false(marina_askpass_parse_header(header, sizeof header, &len, &error));
    assert_non_null(error);
    g_clear_error(&error);
    marina_askpass_write_header(header, 0);
    assert_false(marina_askpass_parse_header(header, sizeof header, &len, NULL));
    marina_askpass_write_header(header, 0xffffffffu);
    assert_false(marina_askpass_parse_header(header, sizeof header, &len, NULL));
    marina_askpass_write_header(header, 10);
    header[0] = 'X';
    assert_false(marina_askpass_parse_header(header, sizeof header, &len, NULL));
    marina_askpass_write_header(header, 10);
    assert_false(marina_askpass_parse_header(header, 7, &len, NULL)); /* short read */
    assert_true(marina_askpass_parse_header(header, sizeof header, &len, NULL));
    assert_int_equal(len, 10);
}

static void
test_request_refuses_garbage(void **state)
{
    static const guint8 junk[] = {0xff, 0x00, 0x13, 0x37, 's', 't', 'u', 'f', 'f', 0x00, 0x01};
    g_autofree char *token = NULL, *prompt = NULL, *hint = NULL;
    g_autoptr(GVariant) wrong = NULL;
    g_autoptr(GError) error = NULL;
    GVariantBuilder builder;

    assert_false(marina_askpass_decode_request(junk, sizeof junk, &token, &prompt, &hint, &error));
    assert_non_null(error);
    assert_null(token);
    assert_false(marina_askpass_decode_request(junk, 0, &token, &prompt, &hint, NULL));
    /* Well-formed but without a prompt. */
    g_variant_builder_init(&builder, G_VARIANT_TYPE("a{ss}"));
    g_variant_builder_add(&builder, "{ss}", "token", "t");
    g_variant_builder_add(&builder, "{ss}", "hint", "");
    wrong = g_variant_ref_sink(g_variant_builder_end(&builder));
    assert_false(marina_askpass_decode_request(g_variant_get_data(wrong), g_variant_get_size(wrong),
                                               &token, &prompt, &hint, NULL));
    assert_null(prompt);
}

static void
test_request_refuses_oversized_field(void **state)
{
    g_autofree char *long_token = g_strnfill(MARINA_ASKPASS_MAX_TOKEN + 1, 'a');
    g_autofree char *token = NULL, *prompt = NULL, *hint = NULL;
    g_autoptr(GVariant) forged = NULL;
    GVariantBuilder builder;

    /* A peer that does not use the encoder (which truncates). */
    g_variant_builder_init(&builder, G_VARIANT_TYPE("a{ss}"));
    g_variant_builder_add(&builder, "{ss}", "token", long_token);
    g_variant_builder_add(&builder, "{ss}", "prompt", "Password: ");
    g_variant_builder_add(&builder, "{ss}", "hint", "");
    forged = g_variant_ref_sink(g_variant_builder_end(&builder));
    assert_false(marina_askpass_decode_request(
        g_variant_get_data(forged), g_variant_get_size(forged), &token, &prompt, &hint, NULL));
}

static void
test_reply_round_trip_and_cancel(void **state)
{
    g_autoptr(GBytes) yes = marina_askpass_encode_reply("s3cret with spaces");
    g_autoptr(GBytes) no = marina_askpass_encode_reply(NULL);
    g_autoptr(GBytes) empty = marina_askpass_encode_reply("");
    gboolean answered;
    char *answer = NULL;
    const guint8 *body;
    gsize len;

    split_frame(yes, &body, &len);
    assert_true(marina_askpass_decode_reply(body, len, &answered, &answer, NULL));
    assert_true(answered);
    assert_string_equal(answer, "s3cret with spaces");
    marina_askpass_free_secret(answer);
    split_frame(no, &body, &len);
    assert_true(marina_askpass_decode_reply(body, len, &answered, &answer, NULL));
    assert_false(answered);
    assert_null(answer);
    split_frame(empty, &body, &len);
    assert_true(marina_askpass_decode_reply(body, len, &answered, &answer, NULL));
    assert_true(answered);
    assert_string_equal(answer, "");
    marina_askpass_free_secret(answer);
}

static void
test_reply_refuses_hostile_answers(void **state)
{
    g_autofree char *too_long = g_strnfill(MARINA_ASKPASS_MAX_ANSWER + 1, 'p');
    static const guint8 newline[] = {'Y', 'a', '\n', 'b'};
    static const guint8 nul[] = {'Y', 'a', '\0', 'b'};
    static const guint8 bad_tag[] = {'Q', 'a'};
    static const guint8 no_with_data[] = {'N', 'a'};
    gboolean answered;
    char *answer = NULL;

    /* A second line would be a second answer to ssh. */
    assert_null(marina_askpass_encode_reply("one\ntwo"));
    assert_null(marina_askpass_encode_reply(too_long));
    assert_false(marina_askpass_decode_reply(newline, sizeof newline, &answered, &answer, NULL));
    assert_false(marina_askpass_decode_reply(nul, sizeof nul, &answered, &answer, NULL));
    assert_false(marina_askpass_decode_reply(bad_tag, sizeof bad_tag, &answered, &answer, NULL));
    assert_false(
        marina_askpass_decode_reply(no_with_data, sizeof no_with_data, &answered, &answer, NULL));
    assert_false(marina_askpass_decode_reply((const guint8 *)too_long, strlen(too_long), &answered,
                                             &answer, NULL));
    assert_null(answer);
}

/* ----------------------------------------------------------- classification */

static MarinaAskpassKind
classify(const char *prompt, const char *hint, char **host, char **fingerprint)
{
    g_autofree char *safe = marina_askpass_sanitize_prompt(prompt);

    return marina_askpass_classify(safe, hint, host, fingerprint);
}

static void
test_classify_password(void **state)
{
    g_autofree char *host = NULL, *fp = NULL;

    assert_int_equal(classify("alice@db1.example.org's password: ", "", &host, &fp),
                     MARINA_ASKPASS_KIND_PASSWORD);
    assert_string_equal(host, "db1.example.org");
    assert_null(fp);
    g_clear_pointer(&host, g_free);
    /* keyboard-interactive through PAM (OpenSSH 8.4+ names the login). */
    assert_int_equal(classify("(bob@10.0.0.7) Password: ", "", &host, &fp),
                     MARINA_ASKPASS_KIND_PASSWORD);
    assert_string_equal(host, "10.0.0.7");
    g_clear_pointer(&host, g_free);
    assert_int_equal(classify("Password: ", NULL, &host, &fp), MARINA_ASKPASS_KIND_PASSWORD);
    assert_null(host);
}

static void
test_classify_passphrase(void **state)
{
    g_autofree char *host = NULL, *fp = NULL;

    assert_int_equal(
        classify("Enter passphrase for key '/home/a/.ssh/id_ed25519': ", "", &host, &fp),
        MARINA_ASKPASS_KIND_PASSPHRASE);
    assert_null(host);
}

static void
test_classify_host_key(void **state)
{
    g_autofree char *host = NULL, *fp = NULL;
    const char *prompt =
        "The authenticity of host '[127.0.0.1]:2222 ([127.0.0.1]:2222)' can't be established.\n"
        "ED25519 key fingerprint is SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU.\n"
        "This key is not known by any other names.\n"
        "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";

    assert_int_equal(classify(prompt, "", &host, &fp), MARINA_ASKPASS_KIND_HOST_KEY);
    assert_string_equal(host, "[127.0.0.1]:2222");
    assert_string_equal(fp, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
    g_clear_pointer(&host, g_free);
    g_clear_pointer(&fp, g_free);
    /* The retry after an unclear answer is the same question. */
    assert_int_equal(classify("Please type 'yes', 'no' or the fingerprint: ", "", &host, &fp),
                     MARINA_ASKPASS_KIND_HOST_KEY);
    assert_null(fp);
}

static void
test_classify_confirm_and_other(void **state)
{
    g_autofree char *host = NULL, *fp = NULL;

    /* The hint wins over any text: a confirmation is never a secret entry. */
    assert_int_equal(classify("Allow use of key password?", "confirm", &host, &fp),
                     MARINA_ASKPASS_KIND_CONFIRM);
    assert_int_equal(classify("Enter PIN for ECDSA-SK key: ", "", &host, &fp),
                     MARINA_ASKPASS_KIND_OTHER);
    assert_int_equal(classify("", "", &host, &fp), MARINA_ASKPASS_KIND_OTHER);
}

static void
test_classify_hostile_prompts(void **state)
{
    g_autofree char *long_host = g_strnfill(5000, 'h');
    g_autofree char *prompt = g_strdup_printf("a@%s's password: ", long_host);
    g_autofree char *host = NULL, *fp = NULL;
    const char *evil_fp = "The authenticity of host 'x\x1b[2J' can't be established.\n"
                          "RSA key fingerprint is ;rm -rf /.\nAre you sure you want to continue "
                          "connecting (yes/no)? ";

    /* A host name too long to be one is not shown as one. */
    assert_int_equal(classify(prompt, "", &host, &fp), MARINA_ASKPASS_KIND_PASSWORD);
    assert_null(host);
    /* Unterminated quotes, a fingerprint that is no fingerprint. */
    assert_int_equal(classify("The authenticity of host 'never closed", "", &host, &fp),
                     MARINA_ASKPASS_KIND_HOST_KEY);
    assert_null(host);
    assert_int_equal(classify(evil_fp, "", &host, &fp), MARINA_ASKPASS_KIND_HOST_KEY);
    assert_null(fp);
    assert_non_null(host);
    assert_null(strchr(host, '\x1b')); /* the escape became '?' */
    g_clear_pointer(&host, g_free);
    assert_int_equal(classify("x@'s password: ", "", &host, &fp), MARINA_ASKPASS_KIND_PASSWORD);
    assert_null(host);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_request_bounds_hostile_prompt),
        cmocka_unit_test(test_header_refuses_wrong_magic_and_sizes),
        cmocka_unit_test(test_request_refuses_garbage),
        cmocka_unit_test(test_request_refuses_oversized_field),
        cmocka_unit_test(test_reply_round_trip_and_cancel),
        cmocka_unit_test(test_reply_refuses_hostile_answers),
        cmocka_unit_test(test_classify_password),
        cmocka_unit_test(test_classify_passphrase),
        cmocka_unit_test(test_classify_host_key),
        cmocka_unit_test(test_classify_confirm_and_other),
        cmocka_unit_test(test_classify_hostile_prompts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
