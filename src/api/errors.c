#include "api/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct kind_info {
    int status;
    const char *code;
    const char *exception;
};

static const struct kind_info kinds[] = {
    [ERR_OK] = {500, "repo.genericError", "org.eclipse.hawkbit.repository.exception.GenericSpServerException"},
    [ERR_INVALID] = {400, "rest.body.notReadable", "org.eclipse.hawkbit.rest.exception.MessageNotReadableException"},
    [ERR_NOT_FOUND] = {404, "repo.entityNotFound", "org.eclipse.hawkbit.repository.exception.EntityNotFoundException"},
    [ERR_EXISTS] = {409, "repo.entityAlreadyExists", "org.eclipse.hawkbit.repository.exception.EntityAlreadyExistsException"},
    [ERR_LOCKED] = {423, "locked", "org.eclipse.hawkbit.repository.exception.LockedException"},
    [ERR_NOT_ALLOWED] = {405, "action.notCancelable", "org.eclipse.hawkbit.repository.exception.CancelActionNotAllowedException"},
    [ERR_GONE] = {410, "artifact.binaryDeleted", "org.eclipse.hawkbit.repository.exception.ArtifactBinaryGoneException"},
    [ERR_QUOTA] = {429, "quota.tooManyEntries", "org.eclipse.hawkbit.repository.exception.AssignmentQuotaExceededException"},
    [ERR_TOO_LARGE] = {413, "quota.fileSizeExceeded", "org.eclipse.hawkbit.repository.exception.FileSizeQuotaExceededException"},
    [ERR_CONFLICT] = {409, "repo.concurrentModification", "org.eclipse.hawkbit.repository.exception.ConcurrentModificationException"},
    [ERR_UNAVAILABLE] = {503, "repo.genericError", "org.eclipse.hawkbit.repository.exception.GenericSpServerException"},
    [ERR_INTERNAL] = {500, "repo.genericError", "org.eclipse.hawkbit.repository.exception.GenericSpServerException"},
    [ERR_FORBIDDEN] = {403, "entityReadOnly", "org.eclipse.hawkbit.repository.exception.EntityReadOnlyException"},
};

/* Exception classes for codes whose class differs from their kind's default. */
static const struct {
    const char *code, *exception;
} special[] = {
    {"rest.param.sortParamSyntax", "org.eclipse.hawkbit.rest.exception.SortParameterSyntaxErrorException"},
    {"rest.param.invalidField", "org.eclipse.hawkbit.rest.exception.SortParameterUnsupportedFieldException"},
    {"rest.param.invalidDirection", "org.eclipse.hawkbit.rest.exception.SortParameterUnsupportedDirectionException"},
    {"rest.param.rsqlParamSyntax", "org.eclipse.hawkbit.repository.exception.RSQLParameterSyntaxException"},
    {"configKeyInvalid", "org.eclipse.hawkbit.tenancy.configuration.InvalidTenantConfigurationKeyException"},
    {"configValueInvalid", "org.eclipse.hawkbit.tenancy.configuration.TenantConfigurationValidatorException"},
    {"distributionset.incomplete", "org.eclipse.hawkbit.repository.exception.IncompleteDistributionSetException"},
    {"distributionset.type.undefined", "org.eclipse.hawkbit.repository.exception.DistributionSetTypeUndefinedException"},
    {"distributionset.modules.unsupported", "org.eclipse.hawkbit.repository.exception.UnsupportedSoftwareModuleForThisDistributionSetException"},
    {"artifact.uploadFailed.checksum.md5.match", "org.eclipse.hawkbit.repository.exception.InvalidMD5HashException"},
    {"artifact.uploadFailed.checksum.sha1.match", "org.eclipse.hawkbit.repository.exception.InvalidSHA1HashException"},
    {"artifact.uploadFailed.checksum.sha256.match", "org.eclipse.hawkbit.repository.exception.InvalidSHA256HashException"},
    {"repo.constraintViolation", "org.eclipse.hawkbit.repository.exception.ConstraintViolationException"},
    {"target.type.incompatible", "org.eclipse.hawkbit.repository.exception.IncompatibleTargetTypeException"},
    {"target.type.used", "org.eclipse.hawkbit.repository.exception.TargetTypeInUseException"},
    {"maintenanceScheduleInvalid", "org.eclipse.hawkbit.repository.exception.InvalidMaintenanceScheduleException"},
};

void api_reply_error(struct request *req, const struct error *e)
{
    enum err_kind kind =
        (size_t)e->kind < sizeof(kinds) / sizeof(kinds[0]) ? e->kind : ERR_INTERNAL;
    const struct kind_info *k = &kinds[kind];
    const char *code = e->code ? e->code : k->code;
    const char *exception = k->exception;
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
        if (strcmp(special[i].code, code) == 0)
            exception = special[i].exception;
    char full_code[160];
    snprintf(full_code, sizeof(full_code), "hawkbit.server.error.%s", code);
    http_reply_error(req, k->status, exception, full_code, e->message);
}

void api_fail(struct request *req, enum err_kind kind, const char *code, const char *fmt, ...)
{
    struct error e = {.kind = kind, .code = code};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof(e.message), fmt, ap);
    va_end(ap);
    api_reply_error(req, &e);
}
