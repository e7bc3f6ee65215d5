// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/hookrequest.h"

namespace MtaHooks {

QStringList Envelope::recipients() const
{
    QStringList result;
    result.reserve(to.size());
    for (const EnvelopeAddress &address : to)
        result.append(address.address);
    return result;
}

QString SmtpReply::toString() const
{
    if (isEmpty())
        return {};
    QString text = QString::number(code);
    if (!enhancedCode.isEmpty())
        text += QLatin1Char(' ') + enhancedCode;
    if (!message.isEmpty())
        text += QLatin1Char(' ') + message;
    return text;
}

} // namespace MtaHooks
