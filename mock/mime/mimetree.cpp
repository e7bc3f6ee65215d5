// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/mimetree_p.h"

#include <QList>

#include <functional>
#include <utility>

namespace MtaHooks::Mime {

namespace {

// Stalwart numbers every part of a message depth first, multiparts included (they just do not
// show their number); an attached message is a single part of its carrier.
void assignPartIds(Node &node, const QString &prefix, int &counter)
{
    const int index = counter++;
    MimePart::Data &d = *node.data;
    if (d.isMultipart) {
        d.partId.clear();
        for (Node &child : node.children)
            assignPartIds(child, prefix, counter);
        return;
    }
    d.partId = prefix + QString::number(index);
    if (d.isMessage) {
        for (Node &child : node.children) {
            int inner = 0;
            assignPartIds(child, d.partId + QLatin1Char('.'), inner);
        }
    }
}

bool isInlineMediaType(const QString &type)
{
    return type.startsWith(QLatin1String("image/")) || type.startsWith(QLatin1String("audio/"))
        || type.startsWith(QLatin1String("video/"));
}

// RFC 8621 §4.1.4 parseStructure(), with null lists as null pointers.
void parseStructure(std::vector<Node> &parts, const QString &multipartType, bool inAlternative,
    QList<Node *> *htmlBody, QList<Node *> *textBody, QList<Node *> &attachments)
{
    const qsizetype textLength = textBody ? textBody->size() : -1;
    const qsizetype htmlLength = htmlBody ? htmlBody->size() : -1;

    for (size_t i = 0; i < parts.size(); ++i) {
        Node &part = parts[i];
        const MimePart::Data &d = *part.data;
        const QString &type = d.contentType;
        // A part whose content cannot be decoded cannot be shown inline either (Stalwart lists
        // such parts as attachments too).
        const bool undecodable = d.encodingProblem && !type.startsWith(QLatin1String("text/"));
        const bool isInline = !undecodable && d.disposition != QLatin1String("attachment")
            && (type == QLatin1String("text/plain") || type == QLatin1String("text/html")
                || isInlineMediaType(type))
            && (i == 0
                || (multipartType != QLatin1String("related")
                    && (isInlineMediaType(type) || d.filename.isEmpty())));

        if (d.isMultipart) {
            const QString subType = type.section(u'/', 1);
            parseStructure(part.children, subType,
                inAlternative || subType == QLatin1String("alternative"), htmlBody, textBody,
                attachments);
        } else if (isInline) {
            if (multipartType == QLatin1String("alternative")) {
                if (type == QLatin1String("text/plain"))
                    textBody->append(&part);
                else if (type == QLatin1String("text/html"))
                    htmlBody->append(&part);
                else
                    attachments.append(&part);
                continue;
            }
            if (inAlternative) {
                if (type == QLatin1String("text/plain"))
                    htmlBody = nullptr;
                if (type == QLatin1String("text/html"))
                    textBody = nullptr;
            }
            if (textBody)
                textBody->append(&part);
            if (htmlBody)
                htmlBody->append(&part);
            if ((!textBody || !htmlBody) && isInlineMediaType(type))
                attachments.append(&part);
        } else {
            attachments.append(&part);
        }
    }

    if (multipartType == QLatin1String("alternative") && textBody && htmlBody) {
        // Only HTML found: it serves as the text body too, and the other way round.
        if (textLength == textBody->size() && htmlLength != htmlBody->size()) {
            for (qsizetype i = htmlLength; i < htmlBody->size(); ++i)
                textBody->append(htmlBody->at(i));
        }
        if (htmlLength == htmlBody->size() && textLength != textBody->size()) {
            for (qsizetype i = textLength; i < textBody->size(); ++i)
                htmlBody->append(textBody->at(i));
        }
    }
}

void forEachMessageRoot(Node &node, const std::function<void(Node &)> &visit);

void classifyMessage(Node &root)
{
    // parseStructure() takes the parts of a multipart; the root is the only part of "mixed".
    std::vector<Node> wrapper;
    wrapper.push_back(std::move(root));
    QList<Node *> htmlBody;
    QList<Node *> textBody;
    QList<Node *> attachments;
    parseStructure(wrapper, QStringLiteral("mixed"), false, &htmlBody, &textBody, attachments);
    for (Node *n : std::as_const(textBody))
        n->data->inTextBody = true;
    for (Node *n : std::as_const(htmlBody))
        n->data->inHtmlBody = true;
    for (Node *n : std::as_const(attachments))
        n->data->inAttachments = true;
    root = std::move(wrapper.front());
}

// Calls visit for the message's root and for the root of every attached message inside it.
void forEachMessageRoot(Node &node, const std::function<void(Node &)> &visit)
{
    visit(node);
    std::vector<Node *> pending {&node};
    while (!pending.empty()) {
        Node *current = pending.back();
        pending.pop_back();
        for (Node &child : current->children) {
            if (current->data->isMessage)
                visit(child);
            pending.push_back(&child);
        }
    }
}

} // namespace

void setSource(Node &node, const QByteArray &source)
{
    if (node.data->source.isNull())
        node.data->source = source;
    for (Node &child : node.children)
        setSource(child, source);
}

Node *deepestContaining(Node &node, qint64 offset)
{
    const MimePart::Data &d = *node.data;
    if (!d.source.isNull() || offset < d.rawOffset || offset > d.rawOffset + d.rawLength)
        return nullptr; // another coordinate space, or outside
    for (Node &child : node.children) {
        if (Node *hit = deepestContaining(child, offset))
            return hit;
    }
    return &node;
}

MimePart freeze(Node &node)
{
    QList<MimePart> children;
    children.reserve(qsizetype(node.children.size()));
    for (Node &child : node.children)
        children.append(freeze(child));
    node.data->children = std::move(children);
    return MimePart(std::shared_ptr<const MimePart::Data>(node.data));
}

void finishTree(Node &root)
{
    int counter = 0;
    assignPartIds(root, QString(), counter);
    forEachMessageRoot(root, [](Node &messageRoot) { classifyMessage(messageRoot); });
}

} // namespace MtaHooks::Mime
